import { OPEN_CHANGE_LUA } from './graph';

/**
 * A timer came due: apply the edge resolution it was armed with (and end its pause, for an async ttl).
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts). ARGV: retention ms, now, format, timer id.
 * Returns {'missing'} | {'format', found} | {'stale'} (spent, or the run ended) | the committed result.
 */
export const fireTimer = {
  keys: 7,
  lua: `${OPEN_CHANGE_LUA}
local json = take_wait(M, W, 't:' .. ARGV[4])
if not json then return {'stale'} end
local timer = cjson.decode(json)
local scheduled, dropped = {}, {}
if timer.endsPause then
  local pause = redis.call('HGET', W, 'p:' .. timer.endsPause)
  if pause then dropped[#dropped + 1] = pause; redis.call('HDEL', W, 'p:' .. timer.endsPause) end
end
resolve_edge(M, S, {timer.resolve.step, tostring(timer.resolve.edge), timer.resolve.to, false}, now, scheduled)
complete_if_done(M, W, now, dropped, scheduled)
refresh(retention)
return committed(M, O, scheduled, dropped, nil)`,
};
