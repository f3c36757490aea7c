import { decodeTime, isValid } from 'ulid';
import { newId } from '../../core/ids';

describe('newId', () => {
  it('returns a ULID encoding the given time', () => {
    // Prepare
    const now = Date.UTC(2026, 10, 28, 12, 0, 0);

    // Act
    const id = newId(now);

    // Assess
    expect(isValid(id)).toBe(true);
    expect(decodeTime(id)).toBe(now);
  });

  it('sorts ids made within one millisecond in creation order', () => {
    // Prepare
    const now = Date.now() + 60_000;

    // Act
    const ids = Array.from({ length: 1000 }, () => newId(now));

    // Assess
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
  });

  it('encodes an earlier time when asked for one (a past cron tick)', () => {
    // Prepare
    newId(Date.now() + 120_000);
    const past = Date.UTC(2026, 0, 1);

    // Act
    const id = newId(past);

    // Assess
    expect(decodeTime(id)).toBe(past);
  });

  it('uses the current time by default', () => {
    // Prepare
    const before = Date.now();

    // Act
    const id = newId();

    // Assess
    expect(decodeTime(id)).toBeGreaterThanOrEqual(before - 1);
  });
});
