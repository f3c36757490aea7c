import { GRAPH_LUA } from './graph';

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
  lua: `${GRAPH_LUA}
local M, S, O, L, W = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local retention, now = ARGV[1], ARGV[2]
local step, attempt, kind = ARGV[4], ARGV[5], ARGV[6]
-- The hot path of every step: each read and write here is one call of the script's, so the run's
-- fields are read once, and what the commit itself decides (status, open steps) is not read again.
local run = redis.call('HMGET', M, 'format', 'status', 'open', 'ob')
if not run[1] then return {'missing'} end
if run[1] ~= ARGV[3] then return {'format', run[1]} end
local scheduled_as = redis.call('HMGET', S, 'st:' .. step, 'at:' .. step)
if run[2] ~= 'Running' or scheduled_as[1] ~= 'Scheduled' or scheduled_as[2] ~= attempt then return {'stale'} end
local status = 'Running'
-- The attempt count and errors go with the step's other fields, in one write per outcome.
local counted = {'n:' .. step, ARGV[8], 'er:' .. step, ARGV[9]}
local scheduled, dropped, made = {}, {}, {}
local cap = tonumber(ARGV[13])
local discovered = {}
if kind == 'completed' and ARGV[14] ~= '' then discovered = cjson.decode(ARGV[14]) end
local held_bytes = tonumber(run[4] or '0')
if kind == 'completed' and cap > 0 then
  local held = held_bytes + discovered_bytes(discovered)
  if held + #ARGV[7] > cap then
    kind = 'failed'
    ARGV[7] = "step '" .. step .. "' failed for good: its output of " .. #ARGV[7] .. " bytes would bring the run's stored outputs to "
      .. (held + #ARGV[7]) .. ' bytes, over the cap of ' .. cap .. ' bytes (RUN_OUTPUT_CAP)'
  end
end
if kind == 'completed' then
  redis.call('HSET', O, step, ARGV[7])
  redis.call('HSET', M, 'ob', held_bytes + #ARGV[7], 'open', tonumber(run[3]) - 1)
  redis.call('HSET', S, 'st:' .. step, 'Completed', 'en:' .. step, now, unpack(counted))
  -- A call, but 26-62 bytes less per completed step kept for the retention (bench/run-state.ts).
  redis.call('HDEL', S, 'du:' .. step)
  add_discovered(M, S, O, discovered, now, scheduled)
  apply_changes(M, S, W, 15, now, scheduled)
  local timers = tonumber(ARGV[15])
  if timers + tonumber(ARGV[16 + 2 * timers]) > 0 then made[#made + 1] = W end
  if complete_if_done(M, W, now, dropped, scheduled) then status = 'Completed' end
elseif kind == 'retry' then
  local next_attempt = tostring(tonumber(attempt) + 1)
  redis.call('HSET', S, 'at:' .. step, next_attempt, 'du:' .. step, ARGV[7], unpack(counted))
  scheduled[#scheduled + 1] = {step, next_attempt, ARGV[7]}
else
  redis.call('HSET', S, 'st:' .. step, 'Failed', 'en:' .. step, now, unpack(counted))
  end_run(M, W, 'Failed', now, ARGV[7], dropped)
  status = 'Failed'
end
local ours = false
if ARGV[10] ~= '' then
  local held = redis.call('HGET', L, step)
  ours = held and string.match(held, '^(.*)|%d+$') == ARGV[10]
end
-- The next step is leased before this one's lease goes, so that L is not emptied (deleted) and made
-- again at each step of a chain; when L held no lease of ours it may be new, and gets its time.
local leased = nil
if ARGV[11] ~= '' and status == 'Running' then
  for i, s in ipairs(scheduled) do
    if s[2] == '0' and tonumber(s[3]) <= tonumber(now) then
      redis.call('HSET', L, s[1], ARGV[11] .. '|' .. ARGV[12])
      if not ours then made[#made + 1] = L end
      local context = s[4] ~= nil and {s[4], s[5]} or redis.call('HMGET', S, 'as:' .. s[1], 'op:' .. s[1])
      leased = {s[1], s[2], s[3], context[1], context[2]}
      table.remove(scheduled, i)
      break
    end
  end
end
if ours then redis.call('HDEL', L, step) end
local outputs = redis.call('HLEN', O)
-- O is new when it holds no more outputs than this commit wrote.
if kind == 'completed' and outputs <= 1 + #discovered then made[#made + 1] = O end
refresh_due(M, retention, made)
return committed(M, O, scheduled, dropped, leased, status, outputs)`,
};
