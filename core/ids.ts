import { monotonicFactory, ulid } from 'ulid';

const monotonic = monotonicFactory();
let lastTime = 0;

/**
 * A ULID for `now` (ms). Ids made in the same millisecond still sort in creation order; an id for an
 * earlier time (a past cron tick) encodes that time rather than the latest one seen.
 * @default now = Date.now()
 */
export function newId(now: number = Date.now()): string {
  if (now < lastTime) return ulid(now);
  lastTime = now;
  return monotonic(now);
}
