import type { LuaScript } from './script';

export const indexPause = {
  keys: 4,
  lua: `--[[
  Index a pause, or re-index it where it already is (idempotent by id).

  Input:
    KEYS[1] 'paths'     hash: keyed path JSON -> how many pauses use it
    KEYS[2] 'where'     hash: pause id -> its place (JSON [path, value], or 'null' when unkeyed)
    KEYS[3] 'expiries'  sorted set: pause id by expiry time (ms)
    KEYS[4] 'bucket'    hash of the pause's place: pause id -> record JSON

    ARGV[1] pause id
    ARGV[2] record JSON
    ARGV[3] expiry time (ms)
    ARGV[4] its place, as stored in 'where'
    ARGV[5] its path JSON, '' when unkeyed
    ARGV[6] the time (ms) until which the four keys are kept at least: a backstop for event names
            that no event reaches any more, whose expired pauses no lookup drops

  Output:
    {'ok'}
    {'moved', place}  when the pause is indexed at another place: drop it there first
]]
local keyPaths, keyWhere, keyExpiries, keyBucket = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local pauseId, record, expiresAt, place, pathJson, keepUntil = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local held = redis.call('HGET', keyWhere, pauseId)
if held and held ~= place then return {'moved', held} end
if not held then
  redis.call('HSET', keyWhere, pauseId, place)
  if pathJson ~= '' then redis.call('HINCRBY', keyPaths, pathJson, 1) end
end
redis.call('HSET', keyBucket, pauseId, record)
redis.call('ZADD', keyExpiries, expiresAt, pauseId)
for i = 1, 4 do
  if KEYS[i] ~= keyPaths or pathJson ~= '' then
    -- PEXPIRETIME is -1 without an expiry: every key gets one, and only ever a later one.
    if redis.call('PEXPIRETIME', KEYS[i]) < keepUntil then redis.call('PEXPIREAT', KEYS[i], keepUntil) end
  end
end
return {'ok'}`,
} satisfies LuaScript;
