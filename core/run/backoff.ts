/** How long a step waits before retry n (n >= 1): `baseMs * 2^(n-1)` plus up to 15% jitter, capped at `maxMs`. */
export interface RetrySettings {
  /** @default 10_000 */
  baseMs: number;
  /** @default 3_600_000 */
  maxMs: number;
  /** A number in [0, 1), injected so tests can pin the jitter. @default Math.random */
  random?: () => number;
}

export const defaultRetrySettings: RetrySettings = { baseMs: 10_000, maxMs: 3_600_000 };

const JITTER = 0.15;

export function retryDelayMs(retry: number, settings: RetrySettings): number {
  const exponential = settings.baseMs * 2 ** Math.max(0, retry - 1);
  const jitter = exponential * JITTER * (settings.random ?? Math.random)();
  return Math.min(settings.maxMs, Math.round(exponential + jitter));
}
