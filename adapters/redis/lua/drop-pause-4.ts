import type { LuaScript } from './script';

export const dropPause = {
  keys: 4,
  lua: `--[[
  Drop a pause from the place the caller read for it in 'where'.

  Input:
    KEYS[1] 'paths'     hash: keyed path JSON -> how many pauses use it
    KEYS[2] 'where'     hash: pause id -> its place
    KEYS[3] 'expiries'  sorted set: pause id by expiry time
    KEYS[4] 'bucket'    hash of that place: pause id -> record JSON

    ARGV[1] pause id
    ARGV[2] its place, as read from 'where'
    ARGV[3] its path JSON, '' when unkeyed

  Output:
    1 dropped
    0 not at that place any more (dropped meanwhile, or moved: read 'where' again)
]]
local keyPaths, keyWhere, keyExpiries, keyBucket = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pauseId, place, pathJson = ARGV[1], ARGV[2], ARGV[3]
if redis.call('HGET', keyWhere, pauseId) ~= place then return 0 end
redis.call('HDEL', keyBucket, pauseId)
redis.call('HDEL', keyWhere, pauseId)
redis.call('ZREM', keyExpiries, pauseId)
if pathJson ~= '' and redis.call('HINCRBY', keyPaths, pathJson, -1) <= 0 then redis.call('HDEL', keyPaths, pathJson) end
return 1`,
} satisfies LuaScript;
