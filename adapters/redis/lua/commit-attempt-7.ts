import { OPEN_CHANGE_LUA } from './graph';

/**
 * Settle an attempt of a step, guarded by that attempt still being the scheduled one of a running run.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts).
 * ARGV: retention ms, now, format, step id, attempt, result kind (completed | retry | failed), output JSON |
 *   retry time | reason, attempts, errors JSON, owner whose lease to release ('' for none), owner to lease
 *   the next step to ('' for none), that lease's end, the cap of the run's output bytes (0: none), the discovered
 *   steps JSON ('' for none: graph.ts `add_discovered`), then the changes (graph.ts).
 * Returns {'missing'} | {'format', found} | {'stale'} | the committed result (graph.ts `committed`).
 */
export const commitAttempt = {
  keys: 7,
  lua: `${OPEN_CHANGE_LUA}
local step, attempt, kind = ARGV[4], ARGV[5], ARGV[6]
local scheduled_as = redis.call('HMGET', S, 'st:' .. step, 'at:' .. step)
if redis.call('HGET', M, 'status') ~= 'Running' or scheduled_as[1] ~= 'Scheduled' or scheduled_as[2] ~= attempt then return {'stale'} end
-- The attempt count and errors go with the step's other fields, in one write per outcome.
local counted = {'n:' .. step, ARGV[8], 'er:' .. step, ARGV[9]}
local scheduled, dropped = {}, {}
local cap = tonumber(ARGV[13])
local discovered = {}
if kind == 'completed' and ARGV[14] ~= '' then discovered = cjson.decode(ARGV[14]) end
if kind == 'completed' and cap > 0 then
  local held = tonumber(redis.call('HGET', M, 'ob') or '0') + discovered_bytes(discovered)
  if held + #ARGV[7] > cap then
    kind = 'failed'
    ARGV[7] = "step '" .. step .. "' failed for good: its output of " .. #ARGV[7] .. " bytes would bring the run's stored outputs to "
      .. (held + #ARGV[7]) .. ' bytes, over the cap of ' .. cap .. ' bytes (RUN_OUTPUT_CAP)'
  end
end
if kind == 'completed' then
  redis.call('HSET', O, step, ARGV[7])
  redis.call('HINCRBY', M, 'ob', #ARGV[7])
  redis.call('HSET', S, 'st:' .. step, 'Completed', 'en:' .. step, now, unpack(counted))
  redis.call('HDEL', S, 'du:' .. step)
  redis.call('HINCRBY', M, 'open', -1)
  add_discovered(M, S, O, discovered, now, scheduled)
  apply_changes(M, S, W, 15, now, scheduled)
  complete_if_done(M, W, now, dropped)
elseif kind == 'retry' then
  local next_attempt = tostring(tonumber(attempt) + 1)
  redis.call('HSET', S, 'at:' .. step, next_attempt, 'du:' .. step, ARGV[7], unpack(counted))
  scheduled[#scheduled + 1] = {step, next_attempt, ARGV[7]}
else
  redis.call('HSET', S, 'st:' .. step, 'Failed', 'en:' .. step, now, unpack(counted))
  end_run(M, W, 'Failed', now, ARGV[7], dropped)
end
if ARGV[10] ~= '' then
  local held = redis.call('HGET', L, step)
  if held and string.match(held, '^(.*)|%d+$') == ARGV[10] then redis.call('HDEL', L, step) end
end
local leased = nil
if ARGV[11] ~= '' and redis.call('HGET', M, 'status') == 'Running' then
  for i, s in ipairs(scheduled) do
    if s[2] == '0' and tonumber(s[3]) <= tonumber(now) then
      redis.call('HSET', L, s[1], ARGV[11] .. '|' .. ARGV[12])
      local context = redis.call('HMGET', S, 'as:' .. s[1], 'op:' .. s[1])
      leased = {s[1], s[2], s[3], context[1], context[2]}
      table.remove(scheduled, i)
      break
    end
  end
end
refresh(retention)
return committed(M, O, scheduled, dropped, leased)`,
};
