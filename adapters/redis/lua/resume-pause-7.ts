import { OPEN_CHANGE_LUA } from './graph';

/**
 * An event matched a pause: fire its async edge (dropping its ttl timer), or cancel the run.
 * KEYS: M, S, O, L, W, FN, EV of the run (see graph.ts).
 * ARGV: retention ms, now, format, pause id, event JSON, cancel reason.
 * Returns {'missing'} | {'format', found} | {'stale'} (the pause is gone, or the run ended) | the committed result.
 */
export const resumePause = {
  keys: 7,
  lua: `${OPEN_CHANGE_LUA}
local json = take_wait(M, W, 'p:' .. ARGV[4])
if not json then return {'stale'} end
local pause = cjson.decode(json)
local scheduled, dropped = {}, {json}
if pause.kind == 'cancel' then
  end_run(M, W, 'Cancelled', now, ARGV[6], dropped)
elseif pause.edge then
  if pause.ttlTimer then redis.call('HDEL', W, 't:' .. pause.ttlTimer) end
  resolve_edge(M, S, {pause.edge.step, tostring(pause.edge.edge), 'fired', ARGV[5]}, now, scheduled)
  complete_if_done(M, W, now, dropped, scheduled)
end
refresh(retention)
return committed(M, O, scheduled, dropped, nil)`,
};
