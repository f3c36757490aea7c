/** Create or replace a function. KEYS: registry hash, version counter. ARGV: id, definition JSON. Returns the new version. */
export const putFunction = {
  keys: 2,
  lua: `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return redis.call('INCR', KEYS[2])`,
};
