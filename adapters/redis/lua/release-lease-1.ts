/**
 * Drop a lease its owner holds.
 * KEYS: L of the run. ARGV: step id, owner. Returns 1 when dropped, 0 otherwise.
 */
export const releaseLease = {
  keys: 1,
  lua: `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and string.match(held, '^(.*)|%d+$') == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]); return 1 end
return 0`,
};
