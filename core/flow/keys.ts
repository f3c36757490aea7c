import { createHash } from 'node:crypto';
import type { StepstackEvent } from '../events/event';
import type { Expression } from '../expressions/expression';

/** Key values longer than this are stored by their hash, so that a key's size is bounded. */
const LONGEST_KEY = 200;

/**
 * The value of a flow-control key for an event, as text (SPEC section 3): `1` and `"1"` are one key;
 * a key that does not evaluate to a string or a number (or fails) reads as the empty key.
 */
export function keyValue(key: Expression | undefined, event: StepstackEvent): string {
  if (!key) return '';
  let value: unknown;
  try {
    value = key.evaluate({ event });
  } catch {
    return '';
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return '';
  return text.length <= LONGEST_KEY ? text : `#${createHash('sha256').update(text).digest('hex')}`;
}

/** Priority in ms ahead in line: the expression's number of seconds, truncated and clamped to -600..600; a non-number reads 0. */
export function priorityMs(priority: Expression | undefined, event: StepstackEvent): number {
  if (!priority) return 0;
  let value: unknown;
  try {
    value = priority.evaluate({ event });
  } catch {
    return 0;
  }
  const seconds = typeof value === 'bigint' ? Number(value) : typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
  return Math.max(-600, Math.min(600, seconds)) * 1000;
}

/**
 * A batch in arrival order (SPEC section 3): by the time the Event API received each event, then
 * by id (ULIDs made in one millisecond sort in creation order). The event stream itself may
 * reorder (SQS standard queues do), so the order the runner saw them in is not it.
 */
export function inArrivalOrder(events: StepstackEvent[]): StepstackEvent[] {
  const tsOf = (event: StepstackEvent): number => (typeof event.ts === 'number' ? event.ts : 0);
  return [...events].sort((a, b) => tsOf(a) - tsOf(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
