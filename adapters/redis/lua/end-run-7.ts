import { OPEN_CHANGE_LUA } from './graph';

/**
 * End a running run as Failed or Cancelled.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts). ARGV: retention ms, now, format, status, reason.
 * Returns {'missing'} | {'format', found} | {'stale'} (it already ended) | the committed result.
 */
export const endRun = {
  keys: 7,
  lua: `${OPEN_CHANGE_LUA}
if redis.call('HGET', M, 'status') ~= 'Running' then return {'stale'} end
local dropped = {}
end_run(M, W, ARGV[4], now, ARGV[5], dropped)
refresh(retention)
return committed(M, O, {}, dropped, nil)`,
};
