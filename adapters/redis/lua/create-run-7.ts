import { GRAPH_LUA } from './graph';

/**
 * Create a run and apply its first changes.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts).
 * ARGV: retention ms, now, format, run id, function id, function hash, event id, rerun of ('' for none),
 *   topology JSON ([[step, edges, [[child, edge], ...]], ...]), definition JSON, event JSON, then the changes (graph.ts).
 * Returns {'exists'}, or the committed result (graph.ts `committed`).
 */
export const createRun = {
  keys: 7,
  lua: `${GRAPH_LUA}
local M, S, O, L, W, FN, EV = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local retention, now = ARGV[1], ARGV[2]
if redis.call('EXISTS', M) == 1 then return {'exists'} end
redis.call('DEL', S, O, L, W)
local topology = cjson.decode(ARGV[9])
redis.call('HSET', M, 'format', ARGV[3], 'id', ARGV[4], 'fn', ARGV[5], 'hash', ARGV[6], 'ev', ARGV[7], 'status', 'Running', 'started', now, 'open', #topology)
if ARGV[8] ~= '' then redis.call('HSET', M, 'rerun', ARGV[8]) end
for _, step in ipairs(topology) do
  local id, edges, children = step[1], step[2], step[3]
  redis.call('HSET', S, 'st:' .. id, 'Pending', 'at:' .. id, '0', 'n:' .. id, '0', 'er:' .. id, '[]', 'un:' .. id, edges, 'ne:' .. id, edges)
  if #children > 0 then redis.call('HSET', S, 'k:' .. id, cjson.encode(children)) end
end
redis.call('SET', FN, ARGV[10])
redis.call('SET', EV, ARGV[11])
local scheduled, dropped = {}, {}
apply_changes(M, S, W, 12, now, scheduled)
complete_if_done(M, W, now, dropped)
refresh(retention)
return committed(M, O, scheduled, dropped, nil)`,
};
