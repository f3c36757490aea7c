import { PlatformError } from '../../core/errors';

/** Runs at most `max` tasks at once; the rest wait in order. A waiting task whose signal aborts leaves the line. */
export interface Limiter {
  run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
}

export function createLimiter(max: number): Limiter {
  let active = 0;
  const waiting: Array<() => void> = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.reject(new PlatformError('step aborted before its container started'));
    if (active < max) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      // The slot passes straight from the releasing task to this one, so `active` stays the same.
      const take = (): void => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = (): void => {
        const index = waiting.indexOf(take);
        if (index >= 0) waiting.splice(index, 1);
        reject(new PlatformError('step aborted while waiting for a container slot'));
      };
      waiting.push(take);
      signal.addEventListener('abort', leave, { once: true });
    });
  };

  return {
    get active() {
      return active;
    },
    async run(task, signal) {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
