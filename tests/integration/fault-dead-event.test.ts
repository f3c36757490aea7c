import type { Logger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';
import { spawnRedisServer } from '../harness/redis-server';
import { StackClient, sleep } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(50);
  }
}

/**
 * An event accepted while Redis is down (issue 7, SPEC section 5): the runner cannot process it, the
 * event stream dead-letters it, and once Redis is back it is listed by `GET /v1/events?dead=true`;
 * `POST /v1/events/{id}/resend` sends it again and its run runs.
 */
describe('an event dead-lettered during a Redis outage', () => {
  const errors: { message: string; receiveCount?: unknown }[] = [];
  const logger: Logger = { info: () => {}, warn: () => {}, error: (message, fields) => errors.push({ message, ...fields }) };
  let redis: Awaited<ReturnType<typeof spawnRedisServer>>;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let stack: LocalStack;

  beforeAll(async () => {
    // Its append-only file keeps the function registered across the outage.
    redis = await spawnRedisServer({ appendonly: true });
    steps = await startStepServer();
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', REDIS_URL: redis.url, STEP_LEASE: '1s' });
    // Two deliveries before the dead-letter queue: each waits out the Redis client's call deadline (5 s).
    stack = await startLocalStack(config, {
      logger, maxReceives: 2,
      functions: [{
        id: 'after-outage', name: 'after-outage', triggers: [{ event: 'test/outage' }],
        steps: { only: { runtime: { type: 'http', url: `${steps.url}/only` }, after: [{ step: '$trigger' }] } },
      }],
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
    await redis?.stop();
  });

  it('lists the dead event once Redis is back, and runs it when it is sent again', async () => {
    // Prepare
    const client = new StackClient(stack.url);
    await redis.kill('SIGTERM');
    // Act
    const [eventId] = await client.sendOk({ name: 'test/outage', data: { n: 1 } });
    // The dead-letter consumer could not keep it either (Redis is down): so it reached the dead-letter queue.
    await waitFor('the event to reach the dead-letter queue', () => errors.find((entry) => entry.message.startsWith('event-dead-letters:')), 30_000);
    await redis.restart();
    const listed = await waitFor('the dead event to be listed', async () => {
      const page = await client.api('GET', '/v1/events?dead=true');
      return page.status === 200 ? (page.body.data as { id: string }[]).find((event) => event.id === eventId) : undefined;
    }, 20_000);
    const resent = await client.api('POST', `/v1/events/${eventId}/resend`);
    const run = await client.waitForRun(eventId!, undefined, 20_000);
    const afterwards = await client.api('GET', '/v1/events?dead=true');
    // Assess
    expect(errors.filter((entry) => entry.message.startsWith('runner:')).map((entry) => entry.receiveCount)).toEqual([1, 2]);
    expect(listed).toMatchObject({ id: eventId, name: 'test/outage', data: { n: 1 }, dead: { receive_count: expect.any(Number) } });
    expect(resent.body.data).toEqual({ id: eventId, resent: true });
    expect(run.status).toBe('Completed');
    expect(steps.count('only', run.run_id)).toBe(1);
    expect((afterwards.body.data as { id: string }[]).map((event) => event.id)).not.toContain(eventId);
  }, 60_000);
});
