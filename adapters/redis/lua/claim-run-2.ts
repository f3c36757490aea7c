/**
 * Claim the run an event starts and link the event to the holder, once. KEYS: the claim, the event's
 * runs list (one slot: the event's). ARGV: run id, claim ttl ms, link ttl ms. Returns the holder.
 */
export const claimRun = {
  keys: 2,
  lua: `
local holder = redis.call('GET', KEYS[1])
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  holder = ARGV[1]
end
if not redis.call('LPOS', KEYS[2], holder) then redis.call('RPUSH', KEYS[2], holder) end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return holder`,
};
