import type { Cluster, Redis } from 'ioredis';

/**
 * The Lua scripts of the store: each one atomic change (or consistent read) of keys that share a hash
 * tag. Keys always come in KEYS (never built inside a script), as Redis Cluster requires. Leases are
 * hash fields `owner|untilMs`; times come from the caller (the engine's clock), not from Redis.
 */
const LUA = {
  /** KEYS doc, version, outputs, definition, leases, trigger. ARGV doc JSON, version, definition JSON, retention ms, trigger JSON. */
  createRun: {
    keys: 6,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[3], KEYS[5])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
redis.call('SET', KEYS[4], ARGV[3], 'PX', ARGV[4])
redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[4])
return 1`,
  },
  /** KEYS doc, outputs, definition, leases, trigger. */
  loadRun: {
    keys: 5,
    readOnly: true,
    lua: `
local doc = redis.call('GET', KEYS[1])
if not doc then return false end
return {doc, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('HGETALL', KEYS[4]), redis.call('GET', KEYS[5])}`,
  },
  /** KEYS doc, outputs, definition, leases, trigger. ARGV step id, owner, now, until. */
  leaseStep: {
    keys: 5,
    lua: `
local doc = redis.call('GET', KEYS[1])
if not doc then return {'missing'} end
local held = redis.call('HGET', KEYS[4], ARGV[1])
if held then
  local owner, untilMs = string.match(held, '^(.*)|(%d+)$')
  if owner ~= ARGV[2] and tonumber(untilMs) > tonumber(ARGV[3]) then return {'busy', untilMs} end
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2] .. '|' .. ARGV[4])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[4], ttl) end
return {'leased', doc, redis.call('HGETALL', KEYS[2]), redis.call('GET', KEYS[3]), redis.call('HGETALL', KEYS[4]), redis.call('GET', KEYS[5])}`,
  },
  /** KEYS leases. ARGV step id, owner, now, until. */
  renewLease: {
    keys: 1,
    lua: `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if not held then return 0 end
local owner, untilMs = string.match(held, '^(.*)|(%d+)$')
if owner ~= ARGV[2] or tonumber(untilMs) <= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[4])
return 1`,
  },
  /** KEYS leases. ARGV step id, owner. */
  releaseLease: {
    keys: 1,
    lua: `
local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and string.match(held, '^(.*)|%d+$') == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`,
  },
  /**
   * KEYS doc, version, outputs, definition, leases, trigger. ARGV doc JSON (without its event), expected version, next version,
   * retention ms, step id to release ('' for none), its owner, step id to lease ('' for none), its
   * lease value (owner|until), then step id and output JSON pairs.
   */
  commitRun: {
    keys: 6,
    lua: `
if redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
if ARGV[5] ~= '' then
  local held = redis.call('HGET', KEYS[5], ARGV[5])
  if held and string.match(held, '^(.*)|%d+$') == ARGV[6] then redis.call('HDEL', KEYS[5], ARGV[5]) end
end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[5], ARGV[7], ARGV[8]) end
redis.call('PEXPIRE', KEYS[3], ARGV[4])
redis.call('PEXPIRE', KEYS[4], ARGV[4])
redis.call('PEXPIRE', KEYS[5], ARGV[4])
redis.call('PEXPIRE', KEYS[6], ARGV[4])
return 1`,
  },
  /** KEYS pauses of an event name. ARGV now. Drops the expired records it meets. */
  pausesFor: {
    keys: 1,
    lua: `
local all = redis.call('HGETALL', KEYS[1])
local now = tonumber(ARGV[1])
local live = {}
for i = 1, #all, 2 do
  local expiresAt = tonumber(cjson.decode(all[i + 1]).expiresAt)
  if expiresAt and expiresAt > now then live[#live + 1] = all[i + 1] else redis.call('HDEL', KEYS[1], all[i]) end
end
return live`,
  },
  /** KEYS runs of an event. ARGV run id, ttl ms. */
  linkRun: {
    keys: 1,
    lua: `
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`,
  },
  /** KEYS the key. ARGV value, ttl ms. Returns the value holding the key. */
  claimKey: {
    keys: 1,
    lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])`,
  },
  /** KEYS registry, version. ARGV id, definition JSON. */
  putFunction: {
    keys: 2,
    lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('INCR', KEYS[2])`,
  },
  /** KEYS registry, version. ARGV id. */
  deleteFunction: {
    keys: 2,
    lua: `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[2])
return 1`,
  },
} as const;

export type ScriptName = keyof typeof LUA;

/** Runs a script by name: EVALSHA, falling back to EVAL once after a server lost its script cache (a restart). */
export type RunScript = (name: ScriptName, keys: string[], args: (string | number)[]) => Promise<unknown>;

/** How many keys each script declares, for tests that check they share one slot. */
export const SCRIPT_KEY_COUNTS: Record<ScriptName, number> = Object.fromEntries(
  Object.entries(LUA).map(([name, script]) => [name, script.keys]),
) as Record<ScriptName, number>;

/** Register the scripts on a client (ioredis defineCommand) and return a runner for them. */
export function defineScripts(client: Redis | Cluster): RunScript {
  for (const [name, script] of Object.entries(LUA)) {
    client.defineCommand(name, { lua: script.lua, numberOfKeys: script.keys, readOnly: 'readOnly' in script && script.readOnly });
  }
  const commands = client as unknown as Record<ScriptName, (...keysAndArgs: (string | number)[]) => Promise<unknown>>;
  return (name, keys, args) => {
    if (keys.length !== LUA[name].keys) throw new Error(`script ${name} takes ${LUA[name].keys} keys, got ${keys.length}`);
    return commands[name](...keys, ...args);
  };
}
