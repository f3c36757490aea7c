/**
 * Lua shared by the scripts that change a run's graph: the same rules as the memory store's
 * adapters/memory/run-graph.ts (one conformance suite tests both).
 *
 * Keys of a run (all under its hash tag): M meta hash (format, id, fn, hash, ev, status, started,
 * ended, reason, rerun, open), S steps hash (per step: `st:` status, `at:` scheduled attempt, `n:`
 * attempts, `er:` errors JSON, `un:` unresolved edges, `fi:` fired edges, `wa:` waiting edges,
 * `e:<step>:<i>` edge status (absent: pending), `k:` children JSON, `as:` async event JSON, `du:` due,
 * `en:` ended, `op:` a discovered step's op JSON), O outputs hash, L leases hash (`owner|untilMs`), W waits hash (`t:<id>` timer JSON,
 * `p:<id>` pause JSON), FN definition JSON, EV trigger event JSON.
 */
export const GRAPH_LUA = `
local function resolve_edge(M, S, first, now, scheduled)
  local stack = {first}
  while #stack > 0 do
    local item = table.remove(stack)
    local step, edge, target, awaited = item[1], item[2], item[3], item[4]
    local edge_field = 'e:' .. step .. ':' .. edge
    -- One read and one write of the step's fields: the counters are counted here (the script is atomic).
    local got = redis.call('HMGET', S, 'st:' .. step, edge_field, 'wa:' .. step, 'fi:' .. step, 'un:' .. step, 'as:' .. step, 'op:' .. step)
    local status, current = got[1], got[2] or 'pending'
    local waiting, fired, unresolved = tonumber(got[3] or '0'), tonumber(got[4] or '0'), tonumber(got[5] or '0')
    if status and (current == 'pending' or current == 'waiting') then
      if target == 'waiting' then
        if current == 'pending' then
          local fields = {edge_field, 'waiting', 'wa:' .. step, waiting + 1}
          if status == 'Pending' then fields[5] = 'st:' .. step; fields[6] = 'Waiting' end
          redis.call('HSET', S, unpack(fields))
        end
      else
        unresolved = unresolved - 1
        local fields = {edge_field, target, 'un:' .. step, unresolved}
        local function set(field, value) fields[#fields + 1] = field; fields[#fields + 1] = value end
        if current == 'waiting' then waiting = waiting - 1; set('wa:' .. step, waiting) end
        if target == 'fired' then fired = fired + 1; set('fi:' .. step, fired) end
        if awaited then set('as:' .. step, awaited) end
        local skipped = false
        if status == 'Pending' or status == 'Waiting' then
          if unresolved > 0 then
            local next_status = 'Pending'
            if waiting > 0 then next_status = 'Waiting' end
            if next_status ~= status then set('st:' .. step, next_status) end
          elseif fired > 0 then
            set('st:' .. step, 'Scheduled'); set('at:' .. step, '0'); set('du:' .. step, now)
            -- With the step's async event and op, read here, for a commit that leases it at once.
            scheduled[#scheduled + 1] = {step, '0', now, awaited or got[6], got[7]}
          else
            set('st:' .. step, 'Skipped'); set('en:' .. step, now)
            skipped = true
          end
        end
        redis.call('HSET', S, unpack(fields))
        if skipped then
          redis.call('HINCRBY', M, 'open', -1)
          local children = redis.call('HGET', S, 'k:' .. step)
          if children then
            for _, child in ipairs(cjson.decode(children)) do stack[#stack + 1] = {child[1], tostring(child[2]), 'never', false} end
          end
        end
      end
    end
  end
end

local function end_run(M, W, status, now, reason, dropped)
  redis.call('HSET', M, 'status', status, 'ended', now)
  if reason then redis.call('HSET', M, 'reason', reason) end
  local waits = redis.call('HGETALL', W)
  for i = 1, #waits, 2 do
    if string.sub(waits[i], 1, 2) == 'p:' then dropped[#dropped + 1] = waits[i + 1] end
  end
  redis.call('DEL', W)
end

-- True when it ended the run. A change that scheduled a step (\`scheduled\`) left it open: no read.
local function complete_if_done(M, W, now, dropped, scheduled)
  if #scheduled > 0 then return false end
  local run = redis.call('HMGET', M, 'status', 'open')
  if run[1] == 'Running' and tonumber(run[2]) <= 0 then
    end_run(M, W, 'Completed', now, false, dropped)
    return true
  end
  return false
end

-- ARGV from position i: a count of timers then id, JSON pairs; pauses likewise; a count of edge
-- updates then step, edge, to, async JSON ('' for none) quadruples. Returns the position after them.
local function apply_changes(M, S, W, i, now, scheduled)
  local timers = tonumber(ARGV[i]); i = i + 1
  for _ = 1, timers do redis.call('HSET', W, 't:' .. ARGV[i], ARGV[i + 1]); i = i + 2 end
  local pauses = tonumber(ARGV[i]); i = i + 1
  for _ = 1, pauses do redis.call('HSET', W, 'p:' .. ARGV[i], ARGV[i + 1]); i = i + 2 end
  local edges = tonumber(ARGV[i]); i = i + 1
  for _ = 1, edges do
    local awaited = ARGV[i + 3]
    if awaited == '' then awaited = false end
    resolve_edge(M, S, {ARGV[i], ARGV[i + 1], ARGV[i + 2], awaited}, now, scheduled)
    i = i + 4
  end
  return i
end

-- Discovered steps (Inngest SDK runs): [[id, edges, children, output JSON | false, attempt, due | false,
-- errors JSON, op JSON | false], ...]. A step the run has is left alone; a completed one gets its output;
-- an edgeless one is scheduled at its attempt and due time; the others wait on their edges.
local function add_discovered(M, S, O, discovered, now, scheduled)
  for _, d in ipairs(discovered) do
    local id, edges, children, output, attempt, due, errors, op = d[1], d[2], d[3], d[4], tostring(d[5]), d[6], d[7], d[8]
    if not redis.call('HGET', S, 'st:' .. id) then
      redis.call('HSET', S, 'st:' .. id, 'Pending', 'at:' .. id, '0', 'n:' .. id, attempt, 'er:' .. id, errors, 'un:' .. id, edges, 'ne:' .. id, edges)
      if #children > 0 then redis.call('HSET', S, 'k:' .. id, cjson.encode(children)) end
      if op then redis.call('HSET', S, 'op:' .. id, op) end
      if output then
        redis.call('HSET', S, 'st:' .. id, 'Completed', 'n:' .. id, '1', 'en:' .. id, now)
        redis.call('HSET', O, id, output)
        redis.call('HINCRBY', M, 'ob', #output)
      else
        redis.call('HINCRBY', M, 'open', 1)
        if tonumber(edges) == 0 then
          local at = due or now
          redis.call('HSET', S, 'st:' .. id, 'Scheduled', 'at:' .. id, attempt, 'du:' .. id, at)
          scheduled[#scheduled + 1] = {id, attempt, tostring(at)}
        end
      end
    end
  end
end

local function discovered_bytes(discovered)
  local total = 0
  for _, d in ipairs(discovered) do if d[4] then total = total + #d[4] end end
  return total
end

-- A refresh gives every key of the run retention plus 1/64 of it, so that the commits that follow
-- within that 1/64 need not refresh again (refresh_due): every key then lives at least the retention
-- after the run's last change, and at most 1/64 longer. A key made later gets at least M's time left.
local function ttl_of(retention)
  local ms = tonumber(retention)
  return ms + math.floor(ms / 64)
end

local function refresh(retention)
  local ttl = ttl_of(retention)
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
end

-- Refresh once M (whose time is set only with all the others') has less than the retention left;
-- until then only the keys this change may have made (\`made\`) need a time of their own.
local function refresh_due(M, retention, made)
  if redis.call('PTTL', M) < tonumber(retention) then return refresh(retention) end
  local ttl = ttl_of(retention)
  for _, key in ipairs(made) do redis.call('PEXPIRE', key, ttl) end
end

-- One JSON text rather than nested arrays: the client decodes a reply element by element, and a
-- commit's ten or so elements cost it more than JSON.parse of the whole (bench/redis-vs-bullmq.ts).
-- cjson writes an empty table as {}: the client reads any non-array there as empty.
-- \`status\`: the run's status when the caller knows it; \`outputs\`: likewise HLEN of O.
local function committed(M, O, scheduled, dropped, leased, status, outputs)
  local flat = {}
  for _, s in ipairs(scheduled) do flat[#flat + 1] = s[1]; flat[#flat + 1] = s[2]; flat[#flat + 1] = s[3] end
  return cjson.encode({'committed', status or redis.call('HGET', M, 'status'), flat, dropped, outputs or redis.call('HLEN', O), leased or {}})
end

local function open_run(M, expected_format)
  local format = redis.call('HGET', M, 'format')
  if not format then return {'missing'} end
  if format ~= expected_format then return {'format', format} end
  return nil
end

-- The wait field (t:<id> or p:<id>) of a running run, taken out of W; nil when it is gone or the run ended.
local function take_wait(M, W, field)
  local json = redis.call('HGET', W, field)
  if redis.call('HGET', M, 'status') ~= 'Running' or not json then return nil end
  redis.call('HDEL', W, field)
  return json
end
`;

/**
 * The start of every script that changes an existing run: its keys (KEYS: M, S, O, L, W, FN, EV),
 * ARGV[1] retention ms and ARGV[2] now, and the refusal of a run that is missing or stored in another
 * format than ARGV[3].
 */
export const OPEN_CHANGE_LUA = `${GRAPH_LUA}
local M, S, O, L, W = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local retention, now = ARGV[1], ARGV[2]
local refused = open_run(M, ARGV[3])
if refused then return refused end
`;
