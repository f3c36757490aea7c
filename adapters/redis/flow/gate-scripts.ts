/** The scripts of throttle, rate limit, singleton, debounce and batches (docs/decisions/004); each touches one hash tag. */

/**
 * Throttle: GCRA with a waiting line. KEYS (one hash tag): the theoretical arrival time, the line
 * (sorted set of waiter ids by score), their bodies (hash), the time the key's timer is armed for,
 * the last wake (hash: its timer's time, what it released as a JSON array of start and body pairs).
 * The same rules as adapters/memory/flow-store.ts.
 */
const THROTTLE_HELPERS = `
local tatKey, line, bodies, timer, lastWake = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, emission, tolerance, lead, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local function tatNow()
  local tat = tonumber(redis.call('GET', tatKey) or now)
  if tat < now then return now end
  return tat
end
-- GCRA: the start time of one more start when it is at most lead ahead (taken), else nil.
local function nextStart()
  local tat = tatNow()
  local start = tat - tolerance
  if start < now then start = now end
  if start > now + lead then return nil end
  redis.call('SET', tatKey, string.format('%d', tat + emission), 'PX', string.format('%d', tat + emission + tolerance - now + 1))
  return start
end
-- When the head of the line is to be released: its GCRA turn, lead before.
local function headTurn()
  return tatNow() - tolerance - lead
end
local function arm(at)
  redis.call('SET', timer, string.format('%d', at), 'PX', ttl)
  return string.format('%d', at)
end
local function keep()
  redis.call('PEXPIRE', line, ttl)
  redis.call('PEXPIRE', bodies, ttl)
end
`;

/** ARGV: now, emission ms, tolerance ms, lead ms, ttl ms, waiter id, score, body, lost ms. Returns {start|-1 (waiting), wakeAt|-1}. */
export const throttleStart = {
  keys: 5,
  lua: `${THROTTLE_HELPERS}
if redis.call('EXISTS', line) == 0 then
  local start = nextStart()
  if start then return {string.format('%d', start), -1} end
end
if redis.call('ZADD', line, 'NX', ARGV[7], ARGV[6]) == 1 then redis.call('HSET', bodies, ARGV[6], ARGV[8]) end
keep()
if tonumber(redis.call('GET', timer) or '0') > now - tonumber(ARGV[9]) then return {-1, -1} end
local at = headTurn()
if at < now then at = now end
return {-1, arm(at)}`,
};

/**
 * ARGV: now, emission ms, tolerance ms, lead ms, ttl ms, the timer's time, again 0|1, replay ms.
 * Returns {wakeAt|-1, then start and body of each waiter released}.
 */
export const wakeThrottle = {
  keys: 5,
  lua: `${THROTTLE_HELPERS}
local armed = tonumber(redis.call('GET', timer) or '0')
local last = redis.call('HMGET', lastWake, 'at', 'out')
if ARGV[7] == '1' and last[1] == ARGV[6] then
  local out = {-1}
  for _, value in ipairs(cjson.decode(last[2])) do out[#out + 1] = value end
  if armed > now then out[1] = string.format('%d', armed) end
  return out
end
local out = {-1}
local released = {}
while true do
  local head = redis.call('ZRANGE', line, 0, 0)[1]
  if not head then break end
  local start = nextStart()
  if not start then break end
  released[#released + 1] = string.format('%d', start)
  released[#released + 1] = redis.call('HGET', bodies, head)
  redis.call('ZREM', line, head)
  redis.call('HDEL', bodies, head)
end
for _, value in ipairs(released) do out[#out + 1] = value end
-- A twin of this timer that comes later and releases nothing leaves the answer to replay alone.
if #released > 0 or last[1] ~= ARGV[6] then
  redis.call('HSET', lastWake, 'at', ARGV[6], 'out', #released == 0 and '[]' or cjson.encode(released))
  redis.call('PEXPIRE', lastWake, ARGV[8])
end
if redis.call('EXISTS', line) == 0 then
  redis.call('DEL', timer)
  return out
end
keep()
-- Another timer is armed ahead (this one came twice): it carries on.
if armed > now then
  if ARGV[7] == '1' then out[1] = string.format('%d', armed) end
  return out
end
out[1] = arm(headTurn())
return out`,
};

/** ARGV: now, emission ms, tolerance ms, lead ms, ttl ms, waiter id. Returns {1, timer's time} while it waits, else {0}. */
export const throttleWaiter = {
  keys: 5,
  lua: `${THROTTLE_HELPERS}
if not redis.call('ZSCORE', line, ARGV[6]) then return {0} end
local armed = redis.call('GET', timer)
if armed then return {1, armed} end
local at = headTurn()
if at < now then at = now end
return {1, arm(at)}`,
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

/**
 * KEYS: the window (hash). ARGV: event JSON, event id, now, period ms, timeout ms (-1: none), ttl ms,
 * order. Returns {due, pending id, loser id or ''}: a pending event later by order stays pending.
 */
export const debounce = {
  keys: 1,
  lua: `
local now, period, timeout = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local pending = redis.call('HMGET', KEYS[1], 'id', 'first', 'order')
local first = tonumber(pending[2]) or now
local due = now + period
if timeout >= 0 and first + timeout < due then due = first + timeout end
local winner, loser = ARGV[2], pending[1] or ''
if pending[1] and pending[3] and pending[3] > ARGV[7] then
  winner, loser = pending[1], ARGV[2]
else
  redis.call('HSET', KEYS[1], 'id', ARGV[2], 'ev', ARGV[1], 'order', ARGV[7])
end
redis.call('HSET', KEYS[1], 'first', string.format('%d', first), 'due', string.format('%d', due))
redis.call('PEXPIRE', KEYS[1], ARGV[6])
if loser == winner then loser = '' end
return {string.format('%d', due), winner, loser}`,
};

/** KEYS: the window. ARGV: event id, now. Returns the event JSON when it was still the pending one and the window is due. */
export const takeDebounced = {
  keys: 1,
  lua: `
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return false end
if tonumber(redis.call('HGET', KEYS[1], 'due') or '0') > tonumber(ARGV[2]) then return false end
local event = redis.call('HGET', KEYS[1], 'ev')
redis.call('DEL', KEYS[1])
return event`,
};

/**
 * Batches. KEYS (one hash tag): the open batch's id, its events (list), its event ids (set), taken
 * (sorted set of `b:<batch>` and `e:<event>` by when they are forgotten), and taken's hash (`b:<batch>`:
 * the events as a JSON array until released; `e:<event>`: its batch).
 */
const BATCH_HELPERS = `
local open, list, ids, taken, takenOf = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function forget(now)
  local old = redis.call('ZRANGEBYSCORE', taken, '-inf', now, 'LIMIT', 0, 100)
  if #old > 0 then
    redis.call('HDEL', takenOf, unpack(old))
    redis.call('ZREM', taken, unpack(old))
  end
end
local function take(id, now, keep)
  local json = '[' .. table.concat(redis.call('LRANGE', list, 0, -1), ',') .. ']'
  local untilMs = now + keep
  redis.call('HSET', takenOf, 'b:' .. id, json)
  redis.call('ZADD', taken, untilMs, 'b:' .. id)
  for _, event in ipairs(redis.call('SMEMBERS', ids)) do
    redis.call('HSET', takenOf, 'e:' .. event, id)
    redis.call('ZADD', taken, untilMs, 'e:' .. event)
  end
  redis.call('DEL', open, list, ids)
  redis.call('PEXPIRE', taken, keep)
  redis.call('PEXPIRE', takenOf, keep)
  return json
end
`;

/**
 * ARGV: event JSON, event id, batch id, max size, ttl ms, keep ms, now. Returns {batch id, opened
 * 0|1, state (0 added, 1 full, 2 started), again 0|1, events JSON when full}.
 */
export const addToBatch = {
  keys: 5,
  lua: `${BATCH_HELPERS}
local keep, now = tonumber(ARGV[6]), tonumber(ARGV[7])
forget(now)
local takenId = redis.call('HGET', takenOf, 'e:' .. ARGV[2])
if takenId then
  local json = redis.call('HGET', takenOf, 'b:' .. takenId)
  if json then return {takenId, 0, 1, 1, json} end
  return {takenId, 0, 2, 0}
end
local id = redis.call('GET', open)
local opened = 0
if not id then
  id = ARGV[3]
  opened = 1
  redis.call('SET', open, id, 'PX', ARGV[5])
end
if redis.call('SADD', ids, ARGV[2]) == 1 then redis.call('RPUSH', list, ARGV[1]) end
redis.call('PEXPIRE', list, ARGV[5])
redis.call('PEXPIRE', ids, ARGV[5])
if redis.call('LLEN', list) < tonumber(ARGV[4]) then return {id, opened, 0, 0} end
return {id, opened, 1, 0, take(id, now, keep)}`,
};

/** ARGV: batch id, keep ms, now. Returns {again 0|1, events JSON} when that batch was still open, or is taken and not released. */
export const takeBatch = {
  keys: 5,
  lua: `${BATCH_HELPERS}
local keep, now = tonumber(ARGV[2]), tonumber(ARGV[3])
forget(now)
if redis.call('GET', open) == ARGV[1] then return {0, take(ARGV[1], now, keep)} end
local json = redis.call('HGET', takenOf, 'b:' .. ARGV[1])
if json then return {1, json} end
return false`,
};

/** ARGV: batch id. Forgets the taken batch's events; its events still point to it (answering `started`). */
export const releaseBatch = {
  keys: 5,
  lua: `
redis.call('HDEL', KEYS[5], 'b:' .. ARGV[1])
redis.call('ZREM', KEYS[4], 'b:' .. ARGV[1])
return 1`,
};
