/** The scripts of throttle, rate limit, singleton, debounce and batches (docs/decisions/004); each touches one hash tag. */

/** GCRA with queueing. KEYS: the theoretical arrival time. ARGV: now, emission ms, tolerance ms. Returns the start time. */
export const throttle = {
  keys: 1,
  lua: `
local now, emission, tolerance = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
local start = tat - tolerance
if start < now then start = now end
redis.call('SET', KEYS[1], string.format('%d', tat + emission), 'PX', string.format('%d', tat + emission + tolerance - now + 1))
return string.format('%d', start)`,
};

/** A sliding log. KEYS: sorted set of members by time. ARGV: member, limit, period ms, now. Returns 1 when allowed. */
export const rateLimit = {
  keys: 1,
  lua: `
local limit, period, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 end
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], period)
return 1`,
};

/** KEYS: the holder (`<run id>|<since>`). ARGV: expected run id ('' for none), run id, now, ttl ms. Returns 1 when swapped. */
export const swapSingleton = {
  keys: 1,
  lua: `
local current = redis.call('GET', KEYS[1])
local holder = current and string.match(current, '^([^|]*)') or ''
if holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2] .. '|' .. ARGV[3], 'PX', ARGV[4])
return 1`,
};

/** KEYS: the window (hash). ARGV: event JSON, event id, now, period ms, timeout ms (-1: none), ttl ms. Returns {due, replaced id or ''}. */
export const debounce = {
  keys: 1,
  lua: `
local now, period, timeout = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local pending = redis.call('HMGET', KEYS[1], 'id', 'first')
local first = tonumber(pending[2]) or now
local due = now + period
if timeout >= 0 and first + timeout < due then due = first + timeout end
redis.call('HSET', KEYS[1], 'id', ARGV[2], 'ev', ARGV[1], 'first', string.format('%d', first), 'due', string.format('%d', due))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
local replaced = pending[1] or ''
if replaced == ARGV[2] then replaced = '' end
return {string.format('%d', due), replaced}`,
};

/** KEYS: the window. ARGV: event id. Returns the event JSON when it was still the pending one. */
export const takeDebounced = {
  keys: 1,
  lua: `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
local event = redis.call('HGET', KEYS[1], 'ev')
redis.call('DEL', KEYS[1])
return event`,
};

/** KEYS: batch id, events (list), event ids (set). ARGV: event JSON, event id, batch id, max size, ttl ms. Returns {batch id, opened 0|1, full 0|1, events...}. */
export const addToBatch = {
  keys: 3,
  lua: `
local id = redis.call('GET', KEYS[1])
local opened = 0
if not id then
  id = ARGV[3]
  opened = 1
  redis.call('SET', KEYS[1], id, 'PX', ARGV[5])
end
if redis.call('SADD', KEYS[3], ARGV[2]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[1]) end
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
if redis.call('LLEN', KEYS[2]) < tonumber(ARGV[4]) then return {id, opened, 0} end
local result = {id, opened, 1}
for _, event in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do result[#result + 1] = event end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return result`,
};

/** KEYS: as addToBatch. ARGV: batch id. Returns the events when that batch was still open. */
export const takeBatch = {
  keys: 3,
  lua: `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local events = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return events`,
};
