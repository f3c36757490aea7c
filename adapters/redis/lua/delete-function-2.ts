/** Delete a function. KEYS: registry hash, version counter. ARGV: id. Returns 1 when it existed, 0 otherwise. */
export const deleteFunction = {
  keys: 2,
  lua: `
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('INCR', KEYS[2])
return 1`,
};
