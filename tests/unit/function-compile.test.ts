import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFunction, hashDefinition } from '../../core/functions/compile';
import type { FunctionDefinition } from '../../core/functions/definition';
import { parseFunctionFile } from '../../core/functions/parse-file';
import { validateFunction } from '../../core/functions/validate';

const welcome = (): FunctionDefinition =>
  parseFunctionFile('welcome.yaml', readFileSync(join(__dirname, 'fixtures', 'functions', 'welcome.yaml'), 'utf8'));

const http = { type: 'http', url: 'https://example.com' };

describe('compileFunction', () => {
  it('compiles the SPEC example: triggers, cancel rules, durations, retries and timeouts', () => {
    // Prepare
    const definition = welcome();

    // Act
    const fn = compileFunction(definition);

    // Assess
    expect(fn).toMatchObject({ id: 'welcome-flow', name: 'Welcome flow', definition, cronTriggers: [{ cron: '0 9 * * MON' }] });
    expect(fn.eventTriggers).toHaveLength(1);
    expect(fn.eventTriggers[0]?.event).toBe('user/signed.up');
    expect(fn.eventTriggers[0]?.expression?.test({ event: { data: { plan: 'pro' } } })).toBe(true);
    expect(fn.cancel[0]).toMatchObject({ event: 'user/deleted', timeoutMs: 7 * 86_400_000 });
    expect(fn.cancel[0]?.if?.source).toBe('async.data.id == event.data.id');
    const fetch = fn.steps.get('fetch-profile');
    const send = fn.steps.get('send-email');
    const followUp = fn.steps.get('follow-up');
    expect(fetch).toMatchObject({ name: 'Fetch profile', timeoutMs: 300_000, retries: 3 });
    expect(send).toMatchObject({ name: 'send-email', timeoutMs: 300_000, retries: 5 });
    expect(send?.after[0]).toMatchObject({ parent: 'fetch-profile', waitMs: 600_000 });
    expect(send?.after[0]?.if?.test({ steps: { 'fetch-profile': { body: { verified: true } } } })).toBe(true);
    expect(followUp?.after[0]?.async).toMatchObject({ event: 'email/opened', ttlMs: 3 * 86_400_000, onTimeout: true });
    expect(followUp?.after[0]?.async?.match?.source).toBe("async.data.email_id == steps['send-email'].email_id");
  });

  it('indexes trigger edges and children, and orders steps parents first', () => {
    // Prepare
    const definition = validateFunction({
      id: 'graph',
      triggers: [{ event: 'go' }],
      steps: {
        join: { runtime: http, after: [{ step: 'left' }, { step: 'right' }] },
        right: { runtime: http, after: [{ step: 'start' }] },
        left: { runtime: http, after: [{ step: 'start' }] },
        start: { runtime: http, after: [{ step: '$trigger' }] },
        side: { runtime: http, after: [{ step: '$trigger' }, { step: 'left' }] },
      },
    }, 'test');

    // Act
    const fn = compileFunction(definition);

    // Assess
    expect(fn.triggerEdges).toEqual([{ step: 'start', edge: 0 }, { step: 'side', edge: 0 }]);
    expect(fn.steps.get('start')?.children).toEqual([{ step: 'right', edge: 0 }, { step: 'left', edge: 0 }]);
    expect(fn.steps.get('left')?.children).toEqual([{ step: 'join', edge: 0 }, { step: 'side', edge: 1 }]);
    expect(fn.steps.get('right')?.children).toEqual([{ step: 'join', edge: 1 }]);
    expect(fn.order).toEqual(['start', 'right', 'left', 'join', 'side']);
  });

  it('applies retries from the step, else the function, else 3; and runtime timeouts with their defaults', () => {
    // Prepare
    const docker = { type: 'docker', image: 'x' };
    const make = (retries?: number) => validateFunction({
      id: 'r',
      triggers: [{ event: 'go' }],
      ...(retries === undefined ? {} : { retries: { attempts: retries } }),
      steps: {
        own: { runtime: { ...http, timeout: '2s' }, retries: { attempts: 0 }, after: [{ step: '$trigger' }] },
        inherited: { runtime: docker, after: [{ step: '$trigger' }] },
        slow: { runtime: { ...docker, timeout: '1h' }, after: [{ step: '$trigger' }] },
      },
    }, 'test');

    // Act
    const withFunctionRetries = compileFunction(make(7));
    const withDefaults = compileFunction(make());

    // Assess
    expect(withFunctionRetries.steps.get('own')).toMatchObject({ retries: 0, timeoutMs: 2000 });
    expect(withFunctionRetries.steps.get('inherited')).toMatchObject({ retries: 7, timeoutMs: 15 * 60_000 });
    expect(withDefaults.steps.get('inherited')?.retries).toBe(3);
    expect(withDefaults.steps.get('slow')?.timeoutMs).toBe(3_600_000);
  });

  it('leaves optional parts out and defaults onTimeout to false', () => {
    // Prepare
    const definition = validateFunction({
      id: 'plain',
      triggers: [{ event: 'go' }],
      cancel: [{ event: 'stop' }],
      steps: {
        a: { runtime: http, after: [{ step: '$trigger' }] },
        b: { runtime: http, after: [{ step: 'a', async: { event: 'e', ttl: '1m' } }] },
      },
    }, 'test');

    // Act
    const fn = compileFunction(definition);

    // Assess
    expect(fn.eventTriggers).toEqual([{ event: 'go' }]);
    expect(fn.cancel).toEqual([{ event: 'stop' }]);
    expect(fn.steps.get('a')?.after).toEqual([{ parent: '$trigger' }]);
    expect(fn.steps.get('b')?.after).toEqual([{ parent: 'a', async: { event: 'e', ttlMs: 60_000, onTimeout: false } }]);
  });

  it('hashes the definition independently of key order and memoizes by that hash', () => {
    // Prepare
    const definition = welcome();
    const reordered = reverseKeys(definition) as FunctionDefinition;
    const changed = { ...welcome(), name: 'Another name' };

    // Act
    const first = compileFunction(definition);
    const again = compileFunction(welcome());
    const fromReordered = compileFunction(reordered);
    const other = compileFunction(changed);

    // Assess
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashDefinition(reordered)).toBe(first.hash);
    expect(again).toBe(first);
    expect(fromReordered).toBe(first);
    expect(other.hash).not.toBe(first.hash);
    expect(other.name).toBe('Another name');
  });
});

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).reverse().map(([key, item]) => [key, reverseKeys(item)]));
}
