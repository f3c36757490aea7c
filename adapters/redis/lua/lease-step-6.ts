/**
 * Lease an open attempt of a step and read what it needs.
 * KEYS: M, S, O, L, FN, EV of the run (see graph.ts).
 * ARGV: format, step id, attempt, owner, now, lease end, '1' to return the definition ('0': not), then the ids of
 *   the outputs to read (none: all, in the order their steps completed).
 * Returns {'missing'} | {'format', found} | {'closed'} | {'busy', until} |
 *   {'leased', meta values (id fn hash ev status started rerun), outputs, definition (false when not asked), event,
 *   async, attempts, errors, op}: outputs as id, JSON pairs.
 */
export const leaseStep = {
  keys: 6,
  lua: `
local M, S, O, L, FN, EV = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local step, attempt, owner, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
-- Each field read once (a call of the script's each): the run's, then the step's.
local run = redis.call('HMGET', M, 'format', 'id', 'fn', 'hash', 'ev', 'status', 'started', 'rerun')
if not run[1] then return {'missing'} end
if run[1] ~= ARGV[1] then return {'format', run[1]} end
local fields = redis.call('HMGET', S, 'st:' .. step, 'at:' .. step, 'as:' .. step, 'n:' .. step, 'er:' .. step, 'op:' .. step)
if run[6] ~= 'Running' or fields[1] ~= 'Scheduled' or fields[2] ~= attempt then return {'closed'} end
local held = redis.call('HGET', L, step)
if held then
  local holder, until_ms = string.match(held, '^(.*)|(%d+)$')
  if holder ~= owner and tonumber(until_ms) > now then return {'busy', until_ms} end
end
redis.call('HSET', L, step, owner .. '|' .. ARGV[6])
local ttl = redis.call('PTTL', M)
if ttl > 0 then redis.call('PEXPIRE', L, ttl) end
local outputs
if #ARGV > 7 then
  outputs = {}
  for i = 8, #ARGV do
    local value = redis.call('HGET', O, ARGV[i])
    if value then outputs[#outputs + 1] = ARGV[i]; outputs[#outputs + 1] = value end
  end
else
  -- Every output, in the order the steps completed (an SDK call's ctx.stack): a hash keeps insertion
  -- order only while it is compact, so sort by each step's end time, then id.
  local flat = redis.call('HGETALL', O)
  local entries = {}
  for i = 1, #flat, 2 do
    entries[#entries + 1] = {flat[i], flat[i + 1], tonumber(redis.call('HGET', S, 'en:' .. flat[i]) or '0')}
  end
  table.sort(entries, function(a, b)
    if a[3] ~= b[3] then return a[3] < b[3] end
    return a[1] < b[1]
  end)
  outputs = {}
  for _, entry in ipairs(entries) do outputs[#outputs + 1] = entry[1]; outputs[#outputs + 1] = entry[2] end
end
local definition = false
if ARGV[7] == '1' then definition = redis.call('GET', FN) end
return {'leased', {run[2], run[3], run[4], run[5], run[6], run[7], run[8]}, outputs, definition, redis.call('GET', EV),
  fields[3], fields[4], fields[5], fields[6]}`,
};
