import { createHash, timingSafeEqual } from 'node:crypto';

/** Compare a presented key with the accepted ones in constant time (hashing first evens out lengths). */
export function keyMatches(presented: string, accepted: readonly string[]): boolean {
  const digest = createHash('sha256').update(presented).digest();
  let matched = false;
  for (const key of accepted) {
    // No early exit: every key is compared.
    if (timingSafeEqual(digest, createHash('sha256').update(key).digest())) matched = true;
  }
  return matched;
}
