import fc from 'fast-check';
import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';

/** Bodies a client might send, well-formed or not: JSON of any shape, event-like objects with wrong types, deep nesting, raw bytes. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const eventLike = fc.record({
  name: fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('user/signed.up', 'inngest/x', ''), fc.jsonValue({ maxDepth: 2 })),
  data: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }))),
  id: fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })),
  ts: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 10 }), fc.constant(null)),
  user: fc.jsonValue({ maxDepth: 2 }),
  v: fc.jsonValue({ maxDepth: 1 }),
}, { requiredKeys: [] });
const validName = fc.stringMatching(/^[a-z]{1,8}\/[a-z.]{1,12}$/);
const validish = fc.record({
  name: validName,
  data: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 5 }), { maxKeys: 6 }),
  id: fc.string({ minLength: 1, maxLength: 40 }),
  user: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
}, { requiredKeys: ['name'] });
const deep = fc.tuple(fc.integer({ min: 1, max: 6000 }), fc.constantFrom('[', '{"a":'), fc.boolean()).map(([depth, open, closed]) => {
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}1${closed ? close.repeat(depth) : ''}`;
});
const body = fc.oneof(
  { weight: 3, arbitrary: fc.json({ maxDepth: 6 }) },
  { weight: 4, arbitrary: eventLike.map((event) => JSON.stringify(event)) },
  { weight: 4, arbitrary: validish.map((event) => JSON.stringify(event)) },
  { weight: 1, arbitrary: fc.array(validish, { minLength: 1, maxLength: 8 }).map((events) => JSON.stringify(events)) },
  { weight: 2, arbitrary: fc.array(eventLike, { maxLength: 8 }).map((events) => JSON.stringify(events)) },
  { weight: 2, arbitrary: deep },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('latin1')) },
);

/** Paths a client might send: known prefixes, then segments of any characters, escapes good and bad. */
const segment = fc.oneof(
  fc.string({ maxLength: 12 }).map((text) => encodeURIComponent(text)),
  fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[a-z0-9._~-]){0,8}$/),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '.', '', '__proto__', 'constructor'),
);
const path = fc.tuple(fc.constantFrom('/e', '/v1/runs', '/v1/events', '/v1/functions', '/v1', '', '/health'), fc.array(segment, { maxLength: 3 }), fc.option(segment, { nil: undefined }))
  .map(([prefix, segments, query]) => `${prefix}/${segments.join('/')}${query === undefined ? '' : `?q=${query}`}`);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');

describe('Event API fuzzed with generated bodies', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack(loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0' }), { logger: silentLogger });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('never answers 5xx to any of 3,000 bodies while the stream is up', async () => {
    // Prepare
    const statuses = new Map<number, number>();

    // Act + Assess: each run posts one generated body; fast-check shrinks a failure to its smallest body.
    await fc.assert(fc.asyncProperty(body, async (text) => {
      const response = await fetch(`${stack.url}/e/fuzz`, { method: 'POST', body: text });
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      return response.status < 500;
    }), { numRuns: 3000, seed: 20261201 });

    // Assess: the corpus reached both sides of validation.
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(100);
  }, 120_000);

  it('never answers 5xx to any of 2,000 generated methods and paths, with or without a body', async () => {
    // Prepare
    const statuses = new Set<number>();

    // Act + Assess
    await fc.assert(fc.asyncProperty(method, path, fc.option(body, { nil: undefined }), async (verb, target, text) => {
      const response = await fetch(`${stack.url}${target}`, { method: verb, ...(text === undefined || verb === 'GET' || verb === 'HEAD' ? {} : { body: text }) });
      await response.arrayBuffer();
      statuses.add(response.status);
      return response.status < 500;
    }), { numRuns: 2000, seed: 20261202 });

    // Assess: routes, wrong methods and bad escapes were all reached.
    expect([...statuses]).toEqual(expect.arrayContaining([200, 400, 404, 405]));
  }, 120_000);
});
