import type { HistoryPosition } from '../core/ports/history';
import type { RunStatus } from '../core/run/run';

/** A parameter's value, or the 400 message naming it and the fix. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time in ms; undefined passes as undefined. */
export function parseTime(name: string, text: string | null | undefined): Parsed<number | undefined> {
  if (text === null || text === undefined || text === '') return { ok: true, value: undefined };
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) return { ok: false, error: `${name}: "${text}" is not an RFC 3339 time: write it like 2026-12-01T10:00:00Z` };
  return { ok: true, value: ms };
}

/** `limit` 1..100, default 20 (SPEC section 6). */
export function parseLimit(text: string | null): Parsed<number> {
  if (text === null) return { ok: true, value: 20 };
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1 || limit > 100) return { ok: false, error: `limit: "${text}" is not a whole number from 1 to 100` };
  return { ok: true, value: limit };
}

const STATUSES: readonly RunStatus[] = ['Running', 'Completed', 'Failed', 'Cancelled'];

export function parseStatus(text: string | null): Parsed<RunStatus | undefined> {
  if (text === null || text === '') return { ok: true, value: undefined };
  const status = STATUSES.find((known) => known.toLowerCase() === text.toLowerCase());
  if (!status) return { ok: false, error: `status: "${text}" is not a run status: use one of ${STATUSES.join(', ')}` };
  return { ok: true, value: status };
}

/** Cursors are opaque to clients: the position of a page's last entry, as base64url JSON. */
export const encodeCursor = (position: HistoryPosition | null): string | null =>
  position && Buffer.from(JSON.stringify([position.at, position.id])).toString('base64url');

export function parseCursor(text: string | null): Parsed<HistoryPosition | undefined> {
  if (text === null || text === '') return { ok: true, value: undefined };
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isFinite(parsed[0]) && typeof parsed[1] === 'string') {
      return { ok: true, value: { at: parsed[0] as number, id: parsed[1] } };
    }
  } catch {
    // answered below
  }
  return { ok: false, error: 'cursor: not a cursor of this list: pass metadata.next_cursor of the previous page as it is' };
}
