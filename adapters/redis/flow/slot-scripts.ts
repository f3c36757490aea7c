/**
 * Concurrency slots of one key (docs/decisions/004). KEYS (one hash tag): holders (sorted set,
 * member to lapse time; `w:<waiter>` is a slot reserved for a woken waiter), waiters (sorted set by
 * score), bodies (hash: waiter to work item, and `s:<waiter>` the score of a woken waiter, kept with
 * its body until it claims its slot: one whose reservation lapses unclaimed, its wake item lost with
 * the process that took it out of the line, goes back in line), guard (the time a wake is due for).
 * The same rules as adapters/memory/flow-store.ts.
 */

/** Shared helpers: wake the waiters that fit (reserving a slot for each), arm the guard at the first lapse. */
const HELPERS = `
local holders, waiters, bodies, guard = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
-- Drop lapsed holders; a woken waiter whose reservation lapsed unclaimed goes back in line.
local function reap(now)
  for _, holder in ipairs(redis.call('ZRANGEBYSCORE', holders, '-inf', now)) do
    if string.sub(holder, 1, 2) == 'w:' then
      local id = string.sub(holder, 3)
      local score = redis.call('HGET', bodies, 's:' .. id)
      if score then
        redis.call('ZADD', waiters, 'NX', score, id)
        redis.call('HDEL', bodies, 's:' .. id)
      end
    end
  end
  redis.call('ZREMRANGEBYSCORE', holders, '-inf', now)
end
-- A slot reserved for waiter w (taken out of the line) until untilMs; its body and score stay until it claims it.
local function reserve_for(w, untilMs)
  redis.call('HSET', bodies, 's:' .. w, redis.call('ZSCORE', waiters, w))
  redis.call('ZADD', holders, untilMs, 'w:' .. w)
  redis.call('ZREM', waiters, w)
end
-- The woken waiter w claimed its slot, or gave it back: forget it.
local function forget(w)
  redis.call('HDEL', bodies, w, 's:' .. w)
end
local function wake(now, limit, reserve_ms, out)
  reap(now)
  local free = limit - redis.call('ZCARD', holders)
  if free <= 0 then return end
  for _, w in ipairs(redis.call('ZRANGE', waiters, 0, free - 1)) do
    out[#out + 1] = redis.call('HGET', bodies, w)
    reserve_for(w, now + reserve_ms)
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
  if redis.call('EXISTS', waiters) == 1 then redis.call('PEXPIRE', waiters, ttl) end
  if redis.call('EXISTS', bodies) == 1 then redis.call('PEXPIRE', bodies, ttl) end
end
`;

/** ARGV: holder, until, now, limit, waiter id, score, body, reserve ms, ttl ms. Returns {acquired 0|1, guardAt|-1, woken bodies...}. */
export const acquireSlot = {
  keys: 4,
  lua: `${HELPERS}
local holder, untilMs, now, limit, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local reserve, ttl = tonumber(ARGV[8]), tonumber(ARGV[9])
reap(now)
if redis.call('ZREM', holders, 'w:' .. id) == 1 then
  redis.call('ZADD', holders, untilMs, holder)
  redis.call('ZREM', waiters, id)
  forget(id)
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
      redis.call('ZREM', waiters, w)
      forget(w)
    else
      result[#result + 1] = redis.call('HGET', bodies, w)
      reserve_for(w, now + reserve)
    end
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
if redis.call('ZREM', holders, 'w:' .. ARGV[2]) == 1 then forget(ARGV[2]) end
redis.call('ZREM', holders, ARGV[1])
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
reap(now)
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
-- Woken waiters that have not claimed their slot (their bodies stay) keep a guard armed too.
if redis.call('ZCARD', waiters) > 0 or redis.call('EXISTS', bodies) == 1 then out[1] = armGuard(now, ttl) end
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
