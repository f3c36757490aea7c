import { parseDuration } from '../duration';

/** A duration as the SDK writes it (`timeStr`: `1w2d3h4m5s`, or `ms`-style `500ms`), in ms; throws naming the value. */
export function sdkDurationMs(text: string): number {
  const weeks = /(\d+)w/.exec(text);
  const rest = text.replace(/(\d+)w/, '');
  return (weeks ? Number(weeks[1]) * 7 * 86_400_000 : 0) + (rest === '' ? 0 : parseDuration(rest));
}

/** When a `Sleep` op ends: its `name` (or `opts.duration`) is a duration, or an ISO date for `sleepUntil`. */
export function sleepDueAt(value: unknown, now: number): number {
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`Sleep op without a duration or date: got ${JSON.stringify(value) ?? 'nothing'}`);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) throw new Error(`Sleep op date ${JSON.stringify(value)} does not parse`);
    return at;
  }
  return now + sdkDurationMs(value);
}
