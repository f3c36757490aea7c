import { formatDuration, parseDuration } from '../../core/duration';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1d2h3m4s5ms', 93_784_005],
    ['0s', 0],
    [' 15m ', 900_000],
  ])('reads %j as %d ms', (text, expected) => {
    // Act
    const ms = parseDuration(text);

    // Assess
    expect(ms).toBe(expected);
  });

  it.each([
    ['10x', /"10x" is not a duration \(use 500ms, 30s, 10m, 2h or 7d/],
    ['10', /"10" is not a duration: the number needs a unit/],
    ['', /is not a duration: it is empty/],
    ['1h 30m', /"1h 30m" is not a duration after "1h"/],
    ['1.5h', /"1.5h" is not a duration/],
    ['-5s', /"-5s" is not a duration/],
    ['h', /"h" is not a duration/],
    ['99999999999999999d', /too long a duration/],
  ])('rejects %j', (text, message) => {
    // Act
    const parsing = () => parseDuration(text);

    // Assess
    expect(parsing).toThrow(message);
  });

  it('rejects a value that is not a string, showing valid examples', () => {
    // Act
    const parsing = () => parseDuration(10 as unknown as string);

    // Assess
    expect(parsing).toThrow('10 is not a duration (use 500ms, 30s, 10m, 2h or 7d, or a compound such as 1h30m)');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [250, '250ms'],
    [30_000, '30s'],
    [5_400_000, '1h30m'],
    [93_784_005, '1d2h3m4s5ms'],
  ])('writes %d ms as %j', (ms, expected) => {
    // Act
    const text = formatDuration(ms);

    // Assess
    expect(text).toBe(expected);
    expect(parseDuration(text)).toBe(ms);
  });
});
