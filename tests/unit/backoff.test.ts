import { retryDelayMs } from '../../core/run/backoff';

describe('retry backoff', () => {
  it('doubles from the base, capped', () => {
    // Prepare
    const settings = { baseMs: 10_000, maxMs: 3_600_000, random: () => 0 };
    // Act
    const delays = [1, 2, 3, 10, 20].map((retry) => retryDelayMs(retry, settings));
    // Assess
    expect(delays).toEqual([10_000, 20_000, 40_000, 3_600_000, 3_600_000]);
  });

  it('adds at most 15% jitter', () => {
    // Prepare
    const high = { baseMs: 10_000, maxMs: 3_600_000, random: () => 0.999999 };
    // Act
    const delay = retryDelayMs(2, high);
    // Assess
    expect(delay).toBeGreaterThan(20_000 * 1.149);
    expect(delay).toBeLessThanOrEqual(20_000 * 1.15);
  });
});
