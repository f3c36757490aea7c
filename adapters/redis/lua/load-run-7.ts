/**
 * Read everything of a run.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts).
 * Returns false when absent, else {meta pairs, steps pairs, outputs pairs, leases pairs, waits pairs, definition, event}.
 */
export const loadRun = {
  keys: 7,
  readOnly: true,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[5]), redis.call('GET', KEYS[6]), redis.call('GET', KEYS[7])}`,
};
