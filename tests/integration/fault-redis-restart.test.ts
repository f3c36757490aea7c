import { silentLogger } from '../../core/ports/logger';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { spawnRedisServer } from '../harness/redis-server';
import { StackClient, sleep } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

/** Redis (append-only file on) restarted while runs are in flight: every run still completes. */
describe('a Redis restart in the middle of runs', () => {
  let redis: Awaited<ReturnType<typeof spawnRedisServer>>;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let stack: LocalStack;

  beforeAll(async () => {
    redis = await spawnRedisServer({ appendonly: true });
    steps = await startStepServer();
    for (const step of ['a', 'b', 'c', 'd']) steps.behave(step, () => ({ delayMs: 150 }));
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', REDIS_URL: redis.url, RETRY_BASE: '100ms', STEP_LEASE: '3s' });
    stack = await startLocalStack(config, {
      logger: silentLogger,
      functions: [{
        id: 'steady', name: 'steady', triggers: [{ event: 'test/steady' }],
        steps: {
          a: { runtime: { type: 'http', url: `${steps.url}/a` }, after: [{ step: '$trigger' }] },
          b: { runtime: { type: 'http', url: `${steps.url}/b` }, after: [{ step: 'a' }] },
          c: { runtime: { type: 'http', url: `${steps.url}/c` }, after: [{ step: 'b' }] },
          d: { runtime: { type: 'http', url: `${steps.url}/d` }, after: [{ step: 'c' }] },
        },
      }],
    });
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
    await redis?.stop();
  });

  it('completes every run; a step runs again only if its output was not saved', async () => {
    // Prepare
    const client = new StackClient(stack.url);
    const ids = await client.sendOk(Array.from({ length: 8 }, (_, i) => ({ name: 'test/steady', data: { i } })));
    await sleep(350);
    // Act
    const restartedAt = Date.now();
    await redis.restart();
    const runs = await Promise.all(ids.map((id) => client.waitForRun(id, undefined, 40_000)));
    // Assess
    expect(runs.map((run) => run.status)).toEqual(ids.map(() => 'Completed'));
    expect(runs.every((run) => Date.parse(run.run_started_at) < restartedAt && Date.parse(run.ended_at) > restartedAt)).toBe(true);
    for (const run of runs) {
      for (const step of ['a', 'b', 'c', 'd']) {
        expect(steps.count(step, run.run_id)).toBeGreaterThanOrEqual(1);
        expect(steps.count(step, run.run_id)).toBeLessThanOrEqual(2);
      }
    }
  }, 60_000);
});
