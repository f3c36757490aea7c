/** Link a run to the event that started it, once. KEYS: the event's runs list. ARGV: run id, ttl ms. Returns 0. */
export const linkRun = {
  keys: 1,
  lua: `
if not redis.call('LPOS', KEYS[1], ARGV[1]) then redis.call('RPUSH', KEYS[1], ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0`,
};
