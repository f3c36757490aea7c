import { GRAPH_LUA } from './graph';

/**
 * End a running run as Failed or Cancelled.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts). ARGV: retention ms, now, format, status, reason.
 * Returns {'missing'} | {'format', found} | {'stale'} (it already ended) | the committed result.
 */
export const endRun = {
  keys: 7,
  lua: `${GRAPH_LUA}
local M, O, W = KEYS[1], KEYS[3], KEYS[5]
local retention, now = ARGV[1], ARGV[2]
local refused = open_run(M, ARGV[3])
if refused then return refused end
if redis.call('HGET', M, 'status') ~= 'Running' then return {'stale'} end
local dropped = {}
end_run(M, W, ARGV[4], now, ARGV[5], dropped)
refresh(retention)
return committed(M, O, {}, dropped, nil)`,
};
