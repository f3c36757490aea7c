import Redis from 'ioredis';
import { writeMemoryRunFormat } from '../../adapters/memory/state-store';
import { keysFor } from '../../adapters/redis/keys';
import type { Logger } from '../../core/ports/logger';
import { RUN_FORMAT } from '../../core/ports/run-store';
import { WORK_ITEM_FORMAT, type WorkItem } from '../../core/run/work-item';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { FaultyQueue } from '../support/faulty-queue';
import { harnessEnv } from '../support/harness-env';
import { StackClient, sleep } from '../support/stack-client';

const UNKNOWN = 99;

/**
 * Versioned formats end to end (SPEC section 5): a queued work item or a stored run of a format this
 * release does not know is refused with an error naming both versions, and left where it is.
 */
describe.each([
  ['memory', false],
  ['Redis', true],
])('documents of an unknown format, on %s state', (_label, onRedis) => {
  const namespace = `formats-${process.pid}-${Date.now()}`;
  const errors: { message: string; error?: unknown; receiveCount?: unknown }[] = [];
  const logger: Logger = { info: () => {}, warn: () => {}, error: (message, fields) => errors.push({ message, ...fields }) };
  let stack: LocalStack;
  let queue: FaultyQueue<WorkItem>;
  let client: StackClient;
  let redis: Redis | undefined;

  /** Rewrite the format version a run is stored with, as another release would have written it. */
  async function writeRunFormat(runId: string, format: number): Promise<void> {
    if (redis) await redis.hset(keysFor(namespace).run(runId).meta, 'format', String(format));
    else writeMemoryRunFormat(stack.state, runId, format);
  }

  beforeAll(async () => {
    const redisUrl = onRedis ? harnessEnv('STEPSTACK_TEST_REDIS_URL') : undefined;
    if (redisUrl) redis = new Redis(redisUrl);
    const config = loadSettings({
      PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', STEPSTACK_NAMESPACE: namespace, ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    stack = await startLocalStack(config, {
      logger, leaseMs: 1_000,
      wrapStepQueue: (inner) => (queue = new FaultyQueue(inner)),
      functions: [{
        id: 'waits', name: 'waits', triggers: [{ event: 'test/waits' }],
        steps: { later: { runtime: { type: 'http', url: 'http://127.0.0.1:9/later' }, after: [{ step: '$trigger', wait: '10m' }] } },
      }],
    });
    client = new StackClient(stack.url);
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    redis?.disconnect();
  });

  async function waitingRun(): Promise<{ run_id: string }> {
    const [eventId] = await client.sendOk({ name: 'test/waits', data: {} });
    return client.waitForRun(eventId!, (run) => run.steps.later?.status === 'Waiting');
  }

  it('refuses a work item of an unknown format and never acknowledges it', async () => {
    // Prepare
    const run = await waitingRun();
    const item = { format: UNKNOWN, kind: 'step', runId: run.run_id, functionId: 'waits', stepId: 'later', attempt: 0, dueAt: Date.now() } as unknown as WorkItem;
    const refusal = (receiveCount: number) => errors.find((entry) => entry.receiveCount === receiveCount && String(entry.error).includes(`format version ${UNKNOWN}`));
    // Act
    await queue.send([{ body: item }]);
    // Delivered again after it was refused: it was left on the queue.
    const deadline = Date.now() + 15_000;
    while (!refusal(2) && Date.now() < deadline) await sleep(20);
    const after = await client.api('GET', `/v1/runs/${run.run_id}`);
    // Assess
    expect(String(refusal(1)?.error)).toContain(`work item has format version ${UNKNOWN}, this release reads version ${WORK_ITEM_FORMAT}`);
    expect(refusal(2)).toBeDefined();
    expect(queue.acknowledged.filter((body) => (body as { format: number }).format === UNKNOWN)).toEqual([]);
    expect(after.body.data.status).toBe('Running');
    expect(after.body.data.steps.later.status).toBe('Waiting');
  });

  it('refuses a stored run of an unknown format through the core API and leaves it as it is', async () => {
    // Prepare
    const run = await waitingRun();
    const before = (await client.api('GET', `/v1/runs/${run.run_id}`)).body.data;
    await writeRunFormat(run.run_id, UNKNOWN);
    // Act
    const read = await client.api('GET', `/v1/runs/${run.run_id}`);
    const cancel = await client.api('POST', `/v1/runs/${run.run_id}/cancel`);
    await writeRunFormat(run.run_id, RUN_FORMAT);
    const after = (await client.api('GET', `/v1/runs/${run.run_id}`)).body.data;
    // Assess
    for (const answer of [read, cancel]) {
      expect(answer.status).toBe(503);
      expect(answer.body.error).toContain(`run ${run.run_id} has format version ${UNKNOWN}, this release reads version ${RUN_FORMAT}`);
    }
    expect(after).toEqual(before);
  });
});
