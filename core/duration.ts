const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const EXAMPLES = 'use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m';
const PART = /(\d+)(ms|s|m|h|d)/y;

/** Milliseconds of a duration such as `500ms`, `30s`, `10m`, `2h`, `7d` or `1h30m`; throws naming the fix. */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw new Error(`${JSON.stringify(text) ?? String(text)} is not a duration (${EXAMPLES})`);
  const trimmed = text.trim();
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < trimmed.length) {
    const at = PART.lastIndex;
    const match = PART.exec(trimmed);
    if (!match) {
      if (/^\d+$/.test(trimmed.slice(at))) throw new Error(`"${text}" is not a duration: the number needs a unit (${EXAMPLES})`);
      const where = at === 0 ? '' : ` after "${trimmed.slice(0, at)}"`;
      throw new Error(`"${text}" is not a duration${where} (${EXAMPLES})`);
    }
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  }
  if (trimmed === '') throw new Error(`"${text}" is not a duration: it is empty (${EXAMPLES})`);
  if (!Number.isSafeInteger(total)) throw new Error(`"${text}" is too long a duration (${EXAMPLES})`);
  return total;
}

/** A duration for messages: `1h30m`, `250ms`, `0ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  return parts.join('');
}
