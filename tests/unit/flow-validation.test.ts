import { validateFunction } from '../../core/functions/validate';
import { flowOf } from '../../core/flow/compiled-flow';
import { keyValue, priorityMs } from '../../core/flow/keys';
import { compileExpression } from '../../core/expressions/cel';
import { compileFunction } from '../../core/functions/compile';
import type { StepstackEvent } from '../../core/events/event';
import { problemsOf } from '../support/problems';

const SOURCE = 'functions/limited.yaml';

function fn(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'limited',
    triggers: [{ event: 'order/placed' }],
    steps: { a: { runtime: { type: 'http', url: 'https://example.com/a' }, after: [{ step: '$trigger' }] } },
    ...patch,
  };
}

const validating = (patch: Record<string, unknown>) => problemsOf(() => validateFunction(fn(patch), SOURCE));
const event = (data: Record<string, unknown>): StepstackEvent => ({ id: 'e1', name: 'order/placed', data, ts: 1 });

describe('flow control in function definitions', () => {
  it('accepts every setting of SPEC section 3 and keeps it as written', () => {
    // Prepare
    const settings = {
      concurrency: [{ limit: 5, key: 'event.data.account_id' }, { limit: 50, key: 'event.data.region', scope: 'env' }],
      throttle: { limit: 10, period: '1m', burst: 2, key: 'event.data.user_id' },
      debounce: { period: '30s', key: 'event.data.id', timeout: '5m' },
      priority: { run: "event.data.tier == 'pro' ? 120 : 0" },
      rateLimit: { limit: 100, period: '1h', key: 'event.data.user_id' },
      idempotency: 'event.data.order_id',
      singleton: { key: 'event.data.user_id', mode: 'skip' },
      timeouts: { start: '10m', finish: '1h' },
    };

    // Act
    const definition = validateFunction(fn(settings), SOURCE);
    const flow = flowOf(compileFunction(definition));

    // Assess
    expect(definition).toMatchObject(settings);
    expect(flow.concurrency.map((entry) => [entry.limit, entry.scope, entry.key?.source])).toEqual([[5, 'fn', 'event.data.account_id'], [50, 'env', 'event.data.region']]);
    expect(flow.throttle).toMatchObject({ limit: 10, periodMs: 60_000, burst: 2 });
    expect(flow.debounce).toMatchObject({ periodMs: 30_000, timeoutMs: 300_000 });
    expect(flow.timeouts).toEqual({ startMs: 600_000, finishMs: 3_600_000 });
    expect(flow.gatesStart).toBe(true);
  });

  it('accepts batchEvents alone, and concurrency as a number or one object', () => {
    // Act
    const batch = flowOf(compileFunction(validateFunction(fn({ batchEvents: { maxSize: 10, timeout: '10s', key: 'event.data.team' }, concurrency: 3 }), SOURCE)));
    const one = flowOf(compileFunction(validateFunction(fn({ concurrency: { limit: 2 } }), SOURCE)));

    // Assess
    expect(batch.batch).toMatchObject({ maxSize: 10, timeoutMs: 10_000 });
    expect(batch.concurrency).toEqual([{ limit: 3, scope: 'fn' }]);
    expect(one.concurrency).toEqual([{ limit: 2, scope: 'fn' }]);
    expect(one.gatesStart).toBe(false);
  });

  it.each([
    ['a limit that is no whole number', { concurrency: [{ limit: 0 }] }, 'concurrency[0].limit: 0: must be a whole number from 1 to 100000'],
    ['more than two concurrency entries', { concurrency: [{ limit: 1 }, { limit: 2 }, { limit: 3 }] }, 'concurrency: 3 entries is over the limit of 2'],
    ['an unknown scope', { concurrency: [{ limit: 1, key: 'event.data.a', scope: 'account' }] }, 'concurrency[0].scope: "account": must be "fn"'],
    ['scope env without a key', { concurrency: [{ limit: 1, scope: 'env' }] }, 'concurrency[0].key: required with scope: env'],
    ['bad CEL in a key', { concurrency: [{ limit: 1, key: 'event.data.(' }] }, 'concurrency[0].key: '],
    ['a throttle without a period', { throttle: { limit: 5 } }, 'throttle.period: required: a duration'],
    ['a negative burst', { throttle: { limit: 5, period: '2s', burst: -1 } }, 'throttle.burst: -1: must be a whole number from 0'],
    ['a rate limit period over 24 h', { rateLimit: { limit: 3, period: '2d' } }, 'rateLimit.period: "2d" is out of range: use a duration from 1s to 1d'],
    ['a bad debounce duration', { debounce: { period: '30 seconds' } }, 'debounce.period: "30 seconds" is not a duration'],
    ['a batch without maxSize', { batchEvents: { timeout: '10s' } }, 'batchEvents.maxSize: missing: must be a whole number from 1 to 1000'],
    ['a batch over its size limit', { batchEvents: { maxSize: 5000, timeout: '10s' } }, 'batchEvents.maxSize: 5000: must be a whole number from 1 to 1000'],
    ['priority without run', { priority: {} }, 'priority.run: required: a CEL expression'],
    ['idempotency that is not CEL text', { idempotency: 5 }, 'idempotency: must be a CEL expression in a string'],
    ['a singleton without mode', { singleton: { key: 'event.data.id' } }, 'singleton.mode: missing: must be "skip"'],
    ['a singleton mode of another name', { singleton: { mode: 'queue' } }, 'singleton.mode: "queue": must be "skip"'],
    ['empty timeouts', { timeouts: {} }, 'timeouts: needs "start", "finish" or both'],
    ['an unknown field of throttle', { throttle: { limit: 1, period: '1s', brust: 1 } }, 'throttle.brust: unknown field; did you mean "burst"?'],
  ])('refuses %s, naming the field and the fix', (_, patch, message) => {
    // Act
    const problems = validating(patch);

    // Assess
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(`${SOURCE}: ${message}`)]));
  });

  it.each(['debounce', 'idempotency', 'rateLimit', 'singleton', 'priority'])('refuses batchEvents with %s, naming both fields', (other) => {
    // Prepare
    const settings: Record<string, unknown> = {
      debounce: { period: '1s' }, idempotency: 'event.data.id', rateLimit: { limit: 1, period: '1m' }, singleton: { mode: 'skip' }, priority: { run: '1' },
    };

    // Act
    const problems = validating({ batchEvents: { maxSize: 10, timeout: '10s' }, [other]: settings[other] });

    // Assess
    expect(problems).toEqual([`${SOURCE}: batchEvents: cannot be combined with ${other}: a batch of events has no single event for ${other} to act on; remove batchEvents or ${other}`]);
  });
});

describe('flow-control key values', () => {
  it('compares keys as text, and reads anything but a string or number as the empty key', () => {
    // Prepare
    const key = compileExpression('event.data.k');

    // Act
    const values = [1, '1', 1.5, true, null, { a: 1 }, undefined].map((k) => keyValue(key, event(k === undefined ? {} : { k })));

    // Assess
    expect(values).toEqual(['1', '1', '1.5', '', '', '', '']);
    expect(keyValue(undefined, event({}))).toBe('');
  });

  it('truncates priority to whole seconds within -600..600; a non-number reads 0', () => {
    // Prepare
    const priority = compileExpression('event.data.p');

    // Act
    const values = [120, 2.9, -2.9, 5000, -5000, 'x', null].map((p) => priorityMs(priority, event({ p })));

    // Assess
    expect(values).toEqual([120_000, 2000, -2000, 600_000, -600_000, 0, 0]);
  });
});
