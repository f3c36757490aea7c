/**
 * Dead events: a hash event id -> record JSON and a sorted set of event ids by dead time.
 * saveDeadEvent KEYS: hash, zset. ARGV: event id, record JSON, dead time, expiry time, the dead time before
 * which records have expired (up to 100 of those are dropped). Returns 0.
 */
export const saveDeadEvent = {
  keys: 2,
  lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[1], 'x:' .. ARGV[1], ARGV[4])
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 100)
for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id, 'x:' .. id); redis.call('ZREM', KEYS[2], id) end
return 0`,
};

/** takeDeadEvent KEYS: hash, zset. ARGV: event id, now. Returns the record JSON (false when absent or expired) and removes it. */
export const takeDeadEvent = {
  keys: 2,
  lua: `
local json = redis.call('HGET', KEYS[1], ARGV[1])
local expires = tonumber(redis.call('HGET', KEYS[1], 'x:' .. ARGV[1]) or '0')
redis.call('HDEL', KEYS[1], ARGV[1], 'x:' .. ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if json and expires > tonumber(ARGV[2]) then return json end
return false`,
};
