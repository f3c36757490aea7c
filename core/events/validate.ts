import { PayloadTooLargeError, ValidationError } from '../errors';
import { RESERVED_EVENT_PREFIX, type StepstackEvent } from './event';

export interface AcceptOptions {
  /** Time of receipt (ms), the `ts` of events that carry none. */
  now: number;
  /** Makes the `id` of events that carry none. */
  newId: () => string;
  /** Largest event, as JSON. @default 256 KiB */
  maxEventBytes?: number;
}

export const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;

/** Bounds on the fields the engine keys by (names match functions, ids deduplicate) and on one error. */
export const EVENT_LIMITS = {
  /** Characters in an event name. */
  nameLength: 256,
  /** Characters in a client-chosen event id. */
  idLength: 256,
  /** Problems listed in one error (the rest are counted). */
  problems: 20,
} as const;

/**
 * The events of an Event API request body (one event object or a non-empty array), completed with
 * `id`, `ts` and `data` where missing. Problems are named `events[i].field`, a single object being
 * `events[0]` (the SPEC's form, whatever the body's shape). All or nothing: throws `ValidationError` listing every problem,
 * or `PayloadTooLargeError` for an event over `maxEventBytes`; then nothing is returned.
 */
export function acceptEvents(body: unknown, options: AcceptOptions): StepstackEvent[] {
  const maxBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  const raws: unknown[] = Array.isArray(body) ? body : [body];
  if (raws.length === 0) throw new ValidationError(['events: the array is empty; send at least one event']);
  const problems: string[] = [];
  const events: StepstackEvent[] = [];
  raws.forEach((raw, index) => {
    const path = `events[${index}]`;
    const size = Buffer.byteLength(JSON.stringify(raw) ?? '');
    if (size > maxBytes) throw new PayloadTooLargeError(path, maxBytes, size);
    const event = checkEvent(raw, path, problems, options);
    if (event) events.push(event);
  });
  if (problems.length > EVENT_LIMITS.problems) {
    const more = problems.length - EVENT_LIMITS.problems;
    throw new ValidationError([...problems.slice(0, EVENT_LIMITS.problems), `and ${more} more problems (only the first ${EVENT_LIMITS.problems} are listed)`]);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return events;
}

function checkEvent(raw: unknown, path: string, problems: string[], options: AcceptOptions): StepstackEvent | undefined {
  if (!isObject(raw)) {
    problems.push(`${path}: must be an object with a "name" and "data"`);
    return undefined;
  }
  const before = problems.length;
  const { name, data, user, id, ts, v } = raw;
  if (name === undefined || name === null || name === '') problems.push(`${path}.name: required`);
  else if (typeof name !== 'string') problems.push(`${path}.name: must be a string`);
  else if (name.length > EVENT_LIMITS.nameLength) problems.push(`${path}.name: ${name.length} characters is over the limit of ${EVENT_LIMITS.nameLength} for an event name`);
  else if (name.startsWith(RESERVED_EVENT_PREFIX)) problems.push(`${path}.name: "${name}" is reserved: names starting "${RESERVED_EVENT_PREFIX}" belong to the platform`);
  if (data !== undefined && data !== null && !isObject(data)) problems.push(`${path}.data: must be an object`);
  if (user !== undefined && user !== null && !isObject(user)) problems.push(`${path}.user: must be an object`);
  if (id !== undefined && id !== null && (typeof id !== 'string' || id === '')) problems.push(`${path}.id: must be a non-empty string`);
  else if (typeof id === 'string' && id.length > EVENT_LIMITS.idLength) problems.push(`${path}.id: ${id.length} characters is over the limit of ${EVENT_LIMITS.idLength} for an event id`);
  if (ts !== undefined && ts !== null && !(Number.isSafeInteger(ts) && (ts as number) >= 0)) {
    problems.push(`${path}.ts: must be an integer of milliseconds since the epoch`);
  }
  if (v !== undefined && v !== null && typeof v !== 'string') problems.push(`${path}.v: must be a string`);
  if (problems.length > before) return undefined;
  const event: StepstackEvent = {
    ...raw,
    name: name as string,
    data: (data ?? {}) as Record<string, unknown>,
    id: (id as string | undefined | null) || options.newId(),
    ts: (ts as number | undefined | null) ?? options.now,
  };
  if (user === null) delete event.user;
  if (v === null) delete event.v;
  return event;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
