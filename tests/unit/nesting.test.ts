import { MAX_NESTING_DEPTH, nestedDeeperThan } from '../../core/nesting';

/** `{"a":{"a":...}}` nested `depth` levels, built as text and parsed (as a driver receives it). */
function nested(depth: number): unknown {
  return JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

describe('nestedDeeperThan', () => {
  it('allows exactly the cap and refuses one level more, for objects and lists alike', () => {
    // Act
    const atCap = nestedDeeperThan(nested(MAX_NESTING_DEPTH));
    const overCap = nestedDeeperThan(nested(MAX_NESTING_DEPTH + 1));
    const listOverCap = nestedDeeperThan(JSON.parse(`${'['.repeat(65)}${']'.repeat(65)}`));
    // Assess
    expect(MAX_NESTING_DEPTH).toBe(64);
    expect(atCap).toBe(false);
    expect(overCap).toBe(true);
    expect(listOverCap).toBe(true);
  });

  it('counts scalars as no level and finds a deep branch beside shallow ones', () => {
    // Prepare
    const wide = { flat: Array.from({ length: 1000 }, (_, index) => index), deep: nested(70) };
    // Act
    const results = [nestedDeeperThan(null), nestedDeeperThan('text'), nestedDeeperThan({}, 1), nestedDeeperThan({ a: {} }, 1), nestedDeeperThan(wide)];
    // Assess
    expect(results).toEqual([false, false, false, true, true]);
  });

  it('checks a value nested 100,000 deep without overflowing the stack', () => {
    // Prepare
    const deep = nested(100_000);
    // Act
    const result = nestedDeeperThan(deep);
    // Assess
    expect(result).toBe(true);
  });
});
