import type { LuaScript } from './script';

export const dropExpiredPauses = {
  keys: 'variable',
  lua: `--[[
  Drop expired pauses: each one still expired by now and still at the place the caller read.

  Input:
    KEYS[1] 'paths'     hash: keyed path JSON -> how many pauses use it
    KEYS[2] 'where'     hash: pause id -> its place
    KEYS[3] 'expiries'  sorted set: pause id by expiry time
    KEYS[4..] buckets   the places of the pauses

    ARGV[1] now (ms)
    ARGV[2..] per pause, four values: pause id, its place ('' when gone from 'where'),
              the index in KEYS of its bucket (0 when gone), its path JSON ('' when unkeyed)

  Output:
    how many pauses it dropped
]]
local keyPaths, keyWhere, keyExpiries = KEYS[1], KEYS[2], KEYS[3]
local now = tonumber(ARGV[1])
local dropped = 0
for i = 2, #ARGV, 4 do
  local pauseId, place, bucketIndex, pathJson = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local expiresAt = tonumber(redis.call('ZSCORE', keyExpiries, pauseId))
  if expiresAt and expiresAt <= now then
    if place == '' then
      -- an entry without a place: only the sorted set holds it
      if not redis.call('HGET', keyWhere, pauseId) then redis.call('ZREM', keyExpiries, pauseId) end
    elseif redis.call('HGET', keyWhere, pauseId) == place then
      redis.call('HDEL', KEYS[bucketIndex], pauseId)
      redis.call('HDEL', keyWhere, pauseId)
      redis.call('ZREM', keyExpiries, pauseId)
      if pathJson ~= '' and redis.call('HINCRBY', keyPaths, pathJson, -1) <= 0 then redis.call('HDEL', keyPaths, pathJson) end
      dropped = dropped + 1
    end
  end
end
return dropped`,
} satisfies LuaScript;
