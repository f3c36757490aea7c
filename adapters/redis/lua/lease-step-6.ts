import { GRAPH_LUA } from './graph';

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
  lua: `${GRAPH_LUA}
local M, S, O, L, FN, EV = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local refused = open_run(M, ARGV[1])
if refused then return refused end
local step, attempt, owner, now = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if redis.call('HGET', M, 'status') ~= 'Running' or redis.call('HGET', S, 'st:' .. step) ~= 'Scheduled'
  or redis.call('HGET', S, 'at:' .. step) ~= attempt then return {'closed'} end
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
return {'leased', redis.call('HMGET', M, 'id', 'fn', 'hash', 'ev', 'status', 'started', 'rerun'), outputs, definition, redis.call('GET', EV),
  redis.call('HGET', S, 'as:' .. step), redis.call('HGET', S, 'n:' .. step), redis.call('HGET', S, 'er:' .. step), redis.call('HGET', S, 'op:' .. step)}`,
};
