import { GRAPH_LUA } from './graph';

/**
 * Create a run and apply its first changes.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts).
 * ARGV: retention ms, now, format, run id, function id, function hash, event id, rerun of ('' for none),
 *   topology JSON ([[step, edges, [[child, edge], ...]], ...]), definition JSON, event JSON, then the changes (graph.ts).
 * Returns {'exists'}, or the committed result (graph.ts `committed`).
 */
export const createRun = {
  keys: 7,
  lua: `${GRAPH_LUA}
local M, S, O, L, W, FN, EV = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local retention, now = ARGV[1], ARGV[2]
if redis.call('EXISTS', M) == 1 then return {'exists'} end
redis.call('DEL', S, O, L, W)
local topology = cjson.decode(ARGV[9])
local ttl = ttl_of(retention)
redis.call('HSET', M, 'format', ARGV[3], 'id', ARGV[4], 'fn', ARGV[5], 'hash', ARGV[6], 'ev', ARGV[7], 'status', 'Running', 'started', now, 'open', #topology)
if ARGV[8] ~= '' then redis.call('HSET', M, 'rerun', ARGV[8]) end
-- A hash stored compact (a listpack) is scanned at every read and write of a field. A run's steps
-- hash holds about 10 fields a step: past 128 (a dozen steps) each commit would cost in proportion to
-- the run's size, twice as much at 47 steps, until Redis converts the hash at hash-max-listpack-entries
-- (512 by default). A value longer than hash-max-listpack-value (64 by default) makes it a hash table
-- from the start; smaller runs stay compact, at half the memory (decision 044).
local big = #topology * 10 > 128
if big then redis.call('HSET', S, '~', string.rep('~', 4096)) end
-- Every step's fields in a few writes rather than two per step (each is a call of the script's),
-- at most 4,000 arguments a write (Lua's unpack has a limit of its own).
local fields = {}
local function flush()
  if #fields > 0 then redis.call('HSET', S, unpack(fields)); fields = {} end
end
for _, step in ipairs(topology) do
  local id, edges, children = step[1], step[2], step[3]
  for _, value in ipairs({'st:' .. id, 'Pending', 'at:' .. id, '0', 'n:' .. id, '0', 'er:' .. id, '[]', 'un:' .. id, edges, 'ne:' .. id, edges}) do fields[#fields + 1] = value end
  if #children > 0 then fields[#fields + 1] = 'k:' .. id; fields[#fields + 1] = cjson.encode(children) end
  if #fields >= 4000 then flush() end
end
flush()
if big then redis.call('HDEL', S, '~') end
redis.call('SET', FN, ARGV[10], 'PX', ttl)
redis.call('SET', EV, ARGV[11], 'PX', ttl)
local scheduled, dropped = {}, {}
apply_changes(M, S, W, 12, now, scheduled)
local status = 'Running'
if complete_if_done(M, W, now, dropped, scheduled) then status = 'Completed' end
-- The keys this made (O and L are empty: deleted above).
for _, key in ipairs({M, S, W}) do redis.call('PEXPIRE', key, ttl) end
return committed(M, O, scheduled, dropped, nil, status, 0)`,
};
