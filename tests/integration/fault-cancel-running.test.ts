import Docker from 'dockerode';
import { createDockerDriver } from '../../adapters/docker';
import { LABELS } from '../../adapters/docker/labels';
import { silentLogger } from '../../core/ports/logger';
import type { WorkItem } from '../../core/run/work-item';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { BUSYBOX_IMAGE, ensureTestImages, testDockerSocket } from '../harness/images';
import { FaultyQueue } from '../support/faulty-queue';
import { harnessEnv } from '../support/harness-env';
import { StackClient, sleep } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

const LEASE_MS = 1_000;

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(20);
  }
}

/**
 * A run cancelled through the API while its step runs (SPEC section 5): the step is stopped within
 * one lease interval (the HTTP request is aborted at the step's server; the Docker container is
 * killed and removed), nothing of the attempt is committed, and the run stays Cancelled.
 */
describe.each([
  ['memory', (): Record<string, string> => ({})],
  ['Redis', (): Record<string, string> => ({ REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL') })],
])('cancel while a step runs, on %s state', (_label, backendEnv) => {
  const socketPath = testDockerSocket();
  const docker = new Docker({ socketPath });
  let stack: LocalStack;
  let queue: FaultyQueue<WorkItem>;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let client: StackClient;

  beforeAll(async () => {
    await ensureTestImages(socketPath);
    steps = await startStepServer();
    const config = loadSettings({
      PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', STEPSTACK_NAMESPACE: `cancel-${process.pid}-${Date.now()}`, ...backendEnv(),
    });
    stack = await startLocalStack(config, {
      logger: silentLogger, leaseMs: LEASE_MS,
      drivers: { docker: createDockerDriver({ executorId: `cancel-test-${process.pid}`, socketPath, network: 'none' }) },
      wrapStepQueue: (inner) => (queue = new FaultyQueue(inner)),
      functions: [
        {
          id: 'cancel-http', name: 'cancel-http', triggers: [{ event: 'test/cancel-http' }],
          steps: {
            slow: { runtime: { type: 'http', url: `${steps.url}/slow` }, after: [{ step: '$trigger' }] },
            next: { runtime: { type: 'http', url: `${steps.url}/next` }, after: [{ step: 'slow' }] },
          },
        },
        {
          id: 'cancel-docker', name: 'cancel-docker', triggers: [{ event: 'test/cancel-docker' }],
          steps: {
            box: { runtime: { type: 'docker', image: BUSYBOX_IMAGE, entrypoint: ['/bin/sh', '-c', 'sleep 60; echo "{}"'] }, after: [{ step: '$trigger' }] },
            next: { runtime: { type: 'http', url: `${steps.url}/next` }, after: [{ step: 'box' }] },
          },
        },
      ],
    });
    client = new StackClient(stack.url);
    steps.behave('slow', () => ({ delayMs: 60_000 }));
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
  });

  it('aborts the HTTP request and commits nothing', async () => {
    // Prepare
    const [eventId] = await client.sendOk({ name: 'test/cancel-http', data: {} });
    const call = await waitFor('the step to be called', () => steps.calls.find((c) => c.step === 'slow' && c.input.event.id === eventId));
    const runId = call.input.ctx.run_id;
    // Act
    const cancelledAt = Date.now();
    const answer = await client.api('POST', `/v1/runs/${runId}/cancel`);
    const abort = await waitFor('the request to be aborted', () => steps.aborts.find((a) => a.input.ctx.run_id === runId));
    await queue.settled();
    const run = (await client.api('GET', `/v1/runs/${runId}`)).body.data;
    // Assess
    expect(answer.body.data.status).toBe('Cancelled');
    expect(abort.at - cancelledAt).toBeLessThanOrEqual(LEASE_MS);
    expect(run.status).toBe('Cancelled');
    expect(run.steps.slow).toMatchObject({ output: null, attempts: 0 });
    expect(run.steps.slow.status).not.toBe('Completed');
    expect(steps.count('next', runId)).toBe(0);
  });

  it('kills the Docker container and commits nothing', async () => {
    // Prepare
    const [eventId] = await client.sendOk({ name: 'test/cancel-docker', data: {} });
    const [started] = await client.waitForRuns(eventId!, { done: () => true });
    const runId: string = started.run_id;
    const ofRun = { label: [`${LABELS.run}=${runId}`] };
    await waitFor('the container to run', async () => ((await docker.listContainers({ filters: { ...ofRun, status: ['running'] } })).length > 0 ? true : undefined));
    // Act
    const cancelledAt = Date.now();
    const answer = await client.api('POST', `/v1/runs/${runId}/cancel`);
    const goneAt = await waitFor('the container to be gone', async () => ((await docker.listContainers({ all: true, filters: ofRun })).length === 0 ? Date.now() : undefined));
    await queue.settled();
    const run = (await client.api('GET', `/v1/runs/${runId}`)).body.data;
    // Assess
    expect(answer.body.data.status).toBe('Cancelled');
    // Stopped within a lease interval; removing the killed container takes a moment more.
    expect(goneAt - cancelledAt).toBeLessThanOrEqual(2 * LEASE_MS);
    expect(run.status).toBe('Cancelled');
    expect(run.steps.box).toMatchObject({ output: null, attempts: 0 });
    expect(run.steps.box.status).not.toBe('Completed');
    expect(steps.count('next', runId)).toBe(0);
  }, 30_000);
});
