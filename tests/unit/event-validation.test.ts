import { PayloadTooLargeError } from '../../core/errors';
import { acceptEvents } from '../../core/events/validate';
import { problemsOf } from '../support/problems';

const options = () => {
  let counter = 0;
  return { now: 1_700_000_000_000, newId: () => `generated-${++counter}` };
};

describe('acceptEvents', () => {
  it('accepts one event object and fills id, ts and data', () => {
    // Act
    const events = acceptEvents({ name: 'user/signed.up' }, options());

    // Assess
    expect(events).toEqual([{ name: 'user/signed.up', data: {}, id: 'generated-1', ts: 1_700_000_000_000 }]);
  });

  it('accepts an array, keeps given fields and unknown top-level fields such as meta', () => {
    // Prepare
    const body = [
      { name: 'a', data: { x: 1 }, user: { id: 'u1' }, id: 'evt-1', ts: 1234, v: '2024-01-01.1', meta: { sdk: 'js' } },
      { name: 'b', data: { y: 2 } },
    ];

    // Act
    const events = acceptEvents(body, options());

    // Assess
    expect(events).toEqual([
      { name: 'a', data: { x: 1 }, user: { id: 'u1' }, id: 'evt-1', ts: 1234, v: '2024-01-01.1', meta: { sdk: 'js' } },
      { name: 'b', data: { y: 2 }, id: 'generated-1', ts: 1_700_000_000_000 },
    ]);
  });

  it('treats null optional fields as missing', () => {
    // Act
    const [event] = acceptEvents({ name: 'a', data: null, user: null, id: null, ts: null, v: null }, options());

    // Assess
    expect(event).toEqual({ name: 'a', data: {}, id: 'generated-1', ts: 1_700_000_000_000 });
  });

  it('names every problem as events[i].field for an array, and publishes nothing', () => {
    // Prepare
    const body = [
      { name: 'ok' },
      { data: {} },
      { name: 'inngest/scheduled.timer' },
      { name: 5, data: [1], user: 'u', id: '', ts: 1.5, v: 2 },
      'not an event',
    ];

    // Act
    const problems = problemsOf(() => acceptEvents(body, options()));

    // Assess
    expect(problems).toEqual([
      'events[1].name: required',
      'events[2].name: "inngest/scheduled.timer" is reserved: names starting "inngest/" belong to the platform',
      'events[3].name: must be a string',
      'events[3].data: must be an object',
      'events[3].user: must be an object',
      'events[3].id: must be a non-empty string',
      'events[3].ts: must be an integer of milliseconds since the epoch',
      'events[3].v: must be a string',
      'events[4]: must be an object with a "name" and "data"',
    ]);
  });

  it('names problems as events[0].field for a single object too', () => {
    // Act
    const problems = problemsOf(() => acceptEvents({ name: '', data: 'x' }, options()));

    // Assess
    expect(problems).toEqual(['events[0].name: required', 'events[0].data: must be an object']);
  });

  it.each([
    [[], 'events: the array is empty; send at least one event'],
    [null, 'events[0]: must be an object with a "name" and "data"'],
    ['text', 'events[0]: must be an object with a "name" and "data"'],
  ])('rejects the body %j', (body, expected) => {
    // Act
    const problems = problemsOf(() => acceptEvents(body, options()));

    // Assess
    expect(problems).toEqual([expected]);
  });

  it('throws PayloadTooLargeError naming the event over the limit', () => {
    // Prepare
    const body = [{ name: 'small' }, { name: 'big', data: { blob: 'x'.repeat(300) } }];

    // Act
    let caught: unknown;
    try {
      acceptEvents(body, { ...options(), maxEventBytes: 200 });
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(PayloadTooLargeError);
    expect(caught).toMatchObject({ field: 'events[1]', limit: 200 });
    expect((caught as Error).message).toMatch(/^events\[1\]: \d+ bytes is over the limit of 200 bytes$/);
  });

  it('allows events up to 256 KiB by default', () => {
    // Prepare
    const fits = { name: 'a', data: { blob: 'x'.repeat(256 * 1024 - 100) } };
    const tooBig = { name: 'a', data: { blob: 'x'.repeat(256 * 1024) } };

    // Act
    const accepted = acceptEvents(fits, options());
    const rejecting = () => acceptEvents(tooBig, options());

    // Assess
    expect(accepted).toHaveLength(1);
    expect(rejecting).toThrow(PayloadTooLargeError);
  });

  it('refuses names and ids over their length limits, naming the limit', () => {
    // Act
    const problems = problemsOf(() => acceptEvents([{ name: 'n'.repeat(257) }, { name: 'ok', id: 'i'.repeat(40_000) }], options()));
    // Assess
    expect(problems).toEqual([
      'events[0].name: 257 characters is over the limit of 256 for an event name',
      'events[1].id: 40000 characters is over the limit of 256 for an event id',
    ]);
  });

  it('lists at most 20 problems for a body of 50,000 bad events, and counts the rest', () => {
    // Act
    const problems = problemsOf(() => acceptEvents(Array.from({ length: 50_000 }, () => ({})), options()));
    // Assess
    expect(problems).toHaveLength(21);
    expect(problems[0]).toBe('events[0].name: required');
    expect(problems[20]).toBe('and 49980 more problems (only the first 20 are listed)');
  });
});
