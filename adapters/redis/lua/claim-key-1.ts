/** Claim an idempotency key. KEYS: the key. ARGV: value, ttl ms. Returns the value holding the key. */
export const claimKey = {
  keys: 1,
  lua: `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return ARGV[1] end
return redis.call('GET', KEYS[1])`,
};
