import type { LuaScript } from './script';

export const pauseCandidates = {
  keys: 'variable',
  lua: `--[[
  The records an event may match, and the first expired pauses to drop.

  Input:
    KEYS[1] 'where'     hash: pause id -> its place
    KEYS[2] 'expiries'  sorted set: pause id by expiry time
    KEYS[3..] buckets   hashes: pause id -> record JSON (the unkeyed one and one per keyed path)

    ARGV[1] now (ms): entries up to it are expired
    ARGV[2] how many expired entries to return at most

  Output:
    {records, expired}: records is every record JSON of the buckets (expired ones included: the
    caller leaves them out); expired is a flat list of pause id, place ('' when gone from 'where').
]]
local keyWhere, keyExpiries = KEYS[1], KEYS[2]
local now, limit = ARGV[1], ARGV[2]
local records = {}
for i = 3, #KEYS do
  local values = redis.call('HVALS', KEYS[i])
  for j = 1, #values do records[#records + 1] = values[j] end
end
local expired = {}
local ids = redis.call('ZRANGEBYSCORE', keyExpiries, '-inf', now, 'LIMIT', 0, limit)
for i = 1, #ids do
  expired[#expired + 1] = ids[i]
  expired[#expired + 1] = redis.call('HGET', keyWhere, ids[i]) or ''
end
return {records, expired}`,
} satisfies LuaScript;
