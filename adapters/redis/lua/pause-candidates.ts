import type { LuaScript } from './script';

export const pauseCandidates = {
  keys: 'variable',
  lua: `--[[
  The records an event may match, and the first expired pauses to drop. The caller names the
  buckets from the keyed paths it believes the event name has; when those are not the paths held,
  it gets the paths held instead, and asks again.

  Input:
    KEYS[1] 'paths'     hash: keyed path JSON -> how many pauses use it
    KEYS[2] 'where'     hash: pause id -> its place
    KEYS[3] 'expiries'  sorted set: pause id by expiry time
    KEYS[4..] buckets   hashes: pause id -> record JSON (the unkeyed one, and the event's one of
                        each believed path that it holds a scalar at)

    ARGV[1] now (ms): entries up to it are expired
    ARGV[2] how many expired entries to return at most
    ARGV[3] how many keyed paths the caller believes there are, n
    ARGV[4..3+n] those paths (JSON)

  Output:
    {'paths', paths}          the believed paths are not the ones held: these are
    {'ok', records, expired}  records: every record JSON of the buckets (expired ones included:
                              the caller leaves them out); expired: a flat list of pause id, place
                              ('' when gone from 'where')
]]
local keyPaths, keyWhere, keyExpiries = KEYS[1], KEYS[2], KEYS[3]
local now, limit, believed = ARGV[1], ARGV[2], tonumber(ARGV[3])
if redis.call('HLEN', keyPaths) ~= believed then return {'paths', redis.call('HKEYS', keyPaths)} end
for i = 1, believed do
  if redis.call('HEXISTS', keyPaths, ARGV[3 + i]) == 0 then return {'paths', redis.call('HKEYS', keyPaths)} end
end
local records = {}
for i = 4, #KEYS do
  local values = redis.call('HVALS', KEYS[i])
  for j = 1, #values do records[#records + 1] = values[j] end
end
local expired = {}
local ids = redis.call('ZRANGEBYSCORE', keyExpiries, '-inf', now, 'LIMIT', 0, limit)
for i = 1, #ids do
  expired[#expired + 1] = ids[i]
  expired[#expired + 1] = redis.call('HGET', keyWhere, ids[i]) or ''
end
return {'ok', records, expired}`,
} satisfies LuaScript;
