/**
 * Concurrency slots of one key (docs/decisions/004). KEYS (one hash tag): holders (sorted set,
 * member to lapse time; `w:<waiter>` is a slot reserved for a woken waiter), waiters (sorted set by
 * score), bodies (hash: waiter to work item), guard (the time a wake is due for). The same rules as
 * adapters/memory/flow-store.ts.
 */

/** Shared helpers: wake the waiters that fit (reserving a slot for each), arm the guard at the first lapse. */
const HELPERS = `
local holders, waiters, bodies, guard = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local function wake(now, limit, reserve, out)
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
  local free = limit - redis.call('ZCARD', holders)
  if free <= 0 then return end
  for _, w in ipairs(redis.call('ZRANGE', waiters, 0, free - 1)) do
    redis.call('ZADD', holders, now + reserve, 'w:' .. w)
    out[#out + 1] = redis.call('HGET', bodies, w)
    redis.call('ZREM', waiters, w)
    redis.call('HDEL', bodies, w)
  end
end
local function armGuard(now, ttl)
  local armed = tonumber(redis.call('GET', guard) or '0')
  if armed > now then return -1 end
  local first = redis.call('ZRANGE', holders, 0, 0, 'WITHSCORES')
  if not first[2] then return -1 end
  redis.call('SET', guard, first[2], 'PX', ttl)
  return tonumber(first[2])
end
local function keep(ttl)
  redis.call('PEXPIRE', holders, ttl)
  if redis.call('EXISTS', waiters) == 1 then
    redis.call('PEXPIRE', waiters, ttl)
    redis.call('PEXPIRE', bodies, ttl)
  end
end
`;

/** ARGV: holder, until, now, limit, waiter id, score, body, reserve ms, ttl ms. Returns {acquired 0|1, guardAt|-1, woken bodies...}. */
export const acquireSlot = {
  keys: 4,
  lua: `${HELPERS}
local holder, untilMs, now, limit, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local reserve, ttl = tonumber(ARGV[8]), tonumber(ARGV[9])
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
if redis.call('ZREM', holders, 'w:' .. id) == 1 then
  redis.call('ZADD', holders, untilMs, holder)
  redis.call('ZREM', waiters, id)
  redis.call('HDEL', bodies, id)
  keep(ttl)
  return {1, -1}
end
if redis.call('ZADD', waiters, 'NX', ARGV[6], id) == 1 then redis.call('HSET', bodies, id, ARGV[7]) end
local result = {0, -1}
local free = limit - redis.call('ZCARD', holders)
if free > 0 then
  for _, w in ipairs(redis.call('ZRANGE', waiters, 0, free - 1)) do
    if w == id then
      result[1] = 1
      redis.call('ZADD', holders, untilMs, holder)
    else
      redis.call('ZADD', holders, now + reserve, 'w:' .. w)
      result[#result + 1] = redis.call('HGET', bodies, w)
    end
    redis.call('ZREM', waiters, w)
    redis.call('HDEL', bodies, w)
  end
end
if result[1] == 0 then result[2] = armGuard(now, ttl) end
keep(ttl)
return result`,
};

/** ARGV: holder, waiter id, now, limit, reserve ms, ttl ms. Returns the woken bodies. */
export const releaseSlot = {
  keys: 4,
  lua: `${HELPERS}
redis.call('ZREM', holders, ARGV[1], 'w:' .. ARGV[2])
local out = {}
wake(tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), out)
if redis.call('EXISTS', holders) == 1 then keep(tonumber(ARGV[6])) end
return out`,
};

/** ARGV: from, to, until, now, limit, reserve ms, ttl ms. Returns {1} when kept for `to`, else {0, woken bodies...}. */
export const passSlot = {
  keys: 4,
  lua: `${HELPERS}
local now = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
local held = redis.call('ZREM', holders, ARGV[1]) == 1
if held and redis.call('EXISTS', waiters) == 0 then
  redis.call('ZADD', holders, ARGV[3], ARGV[2])
  keep(tonumber(ARGV[7]))
  return {1}
end
local out = {0}
wake(now, tonumber(ARGV[5]), tonumber(ARGV[6]), out)
if redis.call('EXISTS', holders) == 1 then keep(tonumber(ARGV[7])) end
return out`,
};

/** ARGV: now, limit, reserve ms, ttl ms. Returns {guardAt|-1, woken bodies...}. */
export const wakeSlots = {
  keys: 4,
  lua: `${HELPERS}
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[4])
redis.call('DEL', guard)
local out = {-1}
wake(now, tonumber(ARGV[2]), tonumber(ARGV[3]), out)
if redis.call('ZCARD', waiters) > 0 then out[1] = armGuard(now, ttl) end
if redis.call('EXISTS', holders) == 1 then keep(ttl) end
return out`,
};

/** KEYS: holders. ARGV: holder, until. Returns 1 when renewed. */
export const renewSlot = {
  keys: 1,
  lua: `
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
return 1`,
};
