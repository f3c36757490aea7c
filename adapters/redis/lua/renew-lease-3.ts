/**
 * Extend a lease while its attempt is open.
 * KEYS: M, S, L of the run. ARGV: step id, attempt, owner, now, lease end.
 * Returns 'renewed', 'lost' (another owner holds it, or it ran out) or 'ended' (the run ended or the attempt closed; the lease is dropped).
 */
export const renewLease = {
  keys: 3,
  lua: `
local M, S, L = KEYS[1], KEYS[2], KEYS[3]
local step, attempt, owner, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local held = redis.call('HGET', L, step)
local holder, until_ms = nil, nil
if held then holder, until_ms = string.match(held, '^(.*)|(%d+)$') end
if redis.call('HGET', M, 'status') ~= 'Running' or redis.call('HGET', S, 'st:' .. step) ~= 'Scheduled'
  or redis.call('HGET', S, 'at:' .. step) ~= attempt then
  if holder == owner then redis.call('HDEL', L, step) end
  return 'ended'
end
if holder ~= owner or tonumber(until_ms) <= now then return 'lost' end
redis.call('HSET', L, step, owner .. '|' .. ARGV[5])
return 'renewed'`,
};
