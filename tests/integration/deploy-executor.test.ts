import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import Docker from 'dockerode';
import { LABELS } from '../../adapters/docker/labels';
import { createSqsClient, createSqsQueue, ensureQueue } from '../../adapters/sqs';
import type { WorkItem } from '../../core/run/work-item';
import { buildExecutorBundle } from '../../executor/build';
import { createRedisStateStore } from '../../adapters/redis';
import { compileFunction } from '../../core/functions/compile';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { EngineDeps } from '../../core/services/deps';
import { startRunFor } from '../../core/services/runner';
import { BUSYBOX_IMAGE, EXAMPLE_STEP_IMAGE, ensureTestImages, testDockerSocket } from '../harness/images';
import { defineFunction } from '../support/functions';
import { freePort } from '../support/free-port';
import { startStepServer } from '../support/step-server';

/**
 * The executor bundle as the launch template installs it (`executor/build.ts`), run as systemd would
 * run it, against real Redis, an SQS-compatible server and a Docker daemon: it removes orphan
 * containers, takes work off the step queue, and drains and exits 0 on SIGTERM. Also the bundle's
 * container.js, the ECS container mode's Event API and runner.
 */
interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

const setting = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run with --selectProjects integration so global setup starts the servers`);
  return value;
};

let workDir: string;
let bundleDir: string;
let sqs: SQSClient;
let queueUrl: string;
let docker: Docker;
const started: ChildProcess[] = [];

/** A process of the bundle with its JSON log lines collected. */
interface Spawned {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  waitForLog(message: string, timeoutMs?: number): Promise<LogLine>;
}

/** Start an entry of the bundle as systemd or ECS would: settings in the environment, logs on stdout/stderr. */
function spawnBundle(entry: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, [path.join(bundleDir, entry), ...args], {
    env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', STEPSTACK_STAGE: 'test', SQS_ENDPOINT: setting('STEPSTACK_TEST_SQS_ENDPOINT'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const logs: LogLine[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        try {
          logs.push(JSON.parse(line) as LogLine);
        } catch {
          logs.push({ level: 'raw', message: line });
        }
      }
    });
  }
  const waitForLog = async (message: string, timeoutMs = 20_000): Promise<LogLine> => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = logs.find((line) => line.message === message);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no "${message}" log within ${timeoutMs} ms; got: ${logs.map((line) => JSON.stringify(line)).join(' | ')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { child, logs, exited, waitForLog };
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'stepstack-executor-'));
  ({ dir: bundleDir } = await buildExecutorBundle(workDir));
  sqs = createSqsClient({ endpoint: setting('STEPSTACK_TEST_SQS_ENDPOINT') });
  queueUrl = await ensureQueue(sqs, `stepstack-executor-${process.pid}-${Date.now()}`);
  docker = new Docker({ socketPath: testDockerSocket() });
  await ensureTestImages(testDockerSocket());
}, 120_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sqs?.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  sqs?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

const keyPrefix = `executor-test-${process.pid}`;
let daemon: Spawned;
let healthPort: number;
const daemonEnv = (): Record<string, string> => ({
  HEALTH_PORT: String(healthPort),
  RETRY_BASE: '100ms', STEP_QUEUE_URL: queueUrl, REDIS_URL: setting('STEPSTACK_TEST_REDIS_URL'), STEPSTACK_NAMESPACE: keyPrefix,
  DOCKER_HOST: `unix://${testDockerSocket()}`, DOCKER_NETWORK: 'none', DRAIN_DEADLINE: '5s',
});

// One daemon for the file, as on a machine: the checks below run in order against it.
describe('executor bundle on a machine', () => {
  it('removes orphan containers before taking work, then consumes the step queue', async () => {
    // Prepare
    const orphan = await docker.createContainer({
      Image: BUSYBOX_IMAGE, Cmd: ['sleep', '300'], Labels: { [LABELS.executor]: 'a-previous-daemon', [LABELS.namespace]: keyPrefix }, HostConfig: { NetworkMode: 'none' },
    });
    const stray: WorkItem = { format: 2, kind: 'step', runId: 'run-that-does-not-exist', functionId: 'fn', stepId: 'a', attempt: 0, dueAt: 0 };
    await createSqsQueue<WorkItem>({ client: sqs, queueUrl }).send([{ body: stray }]);

    // Act
    healthPort = await freePort();
    daemon = spawnBundle('executor.js', [], daemonEnv());
    const ready = await daemon.waitForLog('executor ready');
    await daemon.waitForLog('work item for a run that no longer exists');

    // Assess
    expect(ready.orphansRemoved).toBeGreaterThanOrEqual(1);
    await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 60_000);

  it('runs a function to completion: an HTTP step, then a Docker step fed its output', async () => {
    // Prepare
    const steps = await startStepServer();
    const state = createRedisStateStore({ url: setting('STEPSTACK_TEST_REDIS_URL'), keyPrefix });
    const engine: EngineDeps = {
      state, queue: createSqsQueue<WorkItem>({ client: sqs, queueUrl }), clock: systemClock, logger: silentLogger,
      retry: defaultRetrySettings, retentionMs: 600_000, newId,
    };
    const definition = defineFunction({ id: 'executor-e2e', triggers: [{ event: 'test/go' }] }, {
      fetch: { after: [{ step: '$trigger' }] },
      build: { after: [{ step: 'fetch' }], runtime: { type: 'docker', image: EXAMPLE_STEP_IMAGE } },
    }, steps.url);
    const event = { name: 'test/go', data: {}, id: newId(), ts: Date.now() };

    try {
      // Act
      const runId = await startRunFor(engine, compileFunction(definition), event, { redelivered: false });
      let run = await state.loadRun(runId);
      for (const end = Date.now() + 30_000; run?.status === 'Running' && Date.now() < end;) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        run = await state.loadRun(runId);
      }

      // Assess
      expect(run?.status).toBe('Completed');
      expect(run?.outputs.fetch).toEqual({ status: 200, body: { step: 'fetch', attempt: 0 } });
      expect(run?.outputs.build).toEqual(expect.objectContaining({ greeting: 'hello from a container', event: 'test/go', attempt: 0 }));
      expect(steps.count('fetch', runId)).toBe(1);
    } finally {
      await steps.close();
      await state.close();
    }
  }, 60_000);

  it('answers healthy on 127.0.0.1 while it runs, with its counters as metrics', async () => {
    // Prepare
    await daemon.waitForLog('executor health endpoint listening');

    // Act
    const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);

    // Assess
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual(expect.objectContaining({ status: 'ok', state: 'RUNNING', stepsInFlight: 0 }));
    expect(value('stepstack_steps_done_total')).toBeGreaterThanOrEqual(2);
    expect(value('stepstack_steps_in_flight')).toBe(0);
    expect(value('stepstack_queue_polls_total')).toBeGreaterThanOrEqual(1);
    expect(value('stepstack_queue_poll_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('drains and exits 0 on SIGTERM, leaving nothing on the queue', async () => {
    // Act
    daemon.child.kill('SIGTERM');
    const [code] = await daemon.exited;

    // Assess
    expect(code).toBe(0);
    expect(daemon.logs.find((line) => line.message === 'executor: stopped')).toEqual(expect.objectContaining({ exitCode: 0 }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
    expect(attributes.Attributes).toEqual(expect.objectContaining({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' }));
  }, 30_000);
});

describe('executor settings', () => {
  it('refuses bad settings before taking work: every problem named with its fix, exit 78, which the unit tells systemd not to restart', async () => {
    // Act
    const bad = spawnBundle('executor.js', [], { ...daemonEnv(), CONCURRENCY: 'abc', STEP_LEASE: 'soon', STEP_QUEUE_URL: '' });
    const [code] = await bad.exited;
    const unit = await readFile(path.join(bundleDir, 'stepstack-executor.service'), 'utf8');

    // Assess
    expect(code).toBe(78);
    const refusal = bad.logs.find((line) => line.message === 'executor settings are invalid');
    expect(String(refusal?.error)).toMatch(/CONCURRENCY: "abc" is not allowed: set a whole number from 1 to 1000/);
    expect(String(refusal?.error)).toMatch(/STEP_LEASE: "soon" is not a duration/);
    expect(String(refusal?.error)).toMatch(/STEP_QUEUE_URL: required here/);
    expect(bad.logs.map((line) => line.message)).not.toContain('executor ready');
    expect(unit).toMatch(/^RestartPreventExitStatus=3 78$/m);
    expect(unit).toMatch(/^Restart=always$/m);
  });

  it('refuses CONCURRENCY=0 instead of idling', async () => {
    // Act
    const idle = spawnBundle('executor.js', [], { ...daemonEnv(), CONCURRENCY: '0' });
    const [code] = await idle.exited;

    // Assess
    expect(code).toBe(78);
    expect(String(idle.logs.find((line) => line.message === 'executor settings are invalid')?.error)).toMatch(/CONCURRENCY: "0" is not allowed/);
  });
});

describe('container.js (ECS container mode)', () => {
  it('event-api serves POST /e/{eventKey} and publishes to the event stream, then stops on SIGTERM', async () => {
    // Prepare
    const streamUrl = await ensureQueue(sqs, `stepstack-container-events-${process.pid}-${Date.now()}`);
    const port = await freePort();
    const server = spawnBundle('container.js', ['event-api'], { EVENT_STREAM_URL: streamUrl, EVENT_KEYS: 'ecs-key', PORT: String(port), HOST: '127.0.0.1' });
    await server.waitForLog('event API listening');

    // Act
    const answer = await fetch(`http://127.0.0.1:${port}/e/ecs-key`, { method: 'POST', body: JSON.stringify({ name: 'app/ordered', data: { n: 1 } }) });
    const refused = await fetch(`http://127.0.0.1:${port}/e/wrong-key`, { method: 'POST', body: JSON.stringify({ name: 'app/ordered' }) });
    const queued = await createSqsQueue<{ format: number; event: { name: string } }>({ client: sqs, queueUrl: streamUrl }).receive({ max: 10, waitMs: 2000, visibilityMs: 30_000 });
    server.child.kill('SIGTERM');
    const [code] = await server.exited;

    // Assess
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { ids: string[] }).ids).toHaveLength(1);
    expect(refused.status).toBe(401);
    expect(queued.map((message) => message.body.event.name)).toEqual(['app/ordered']);
    expect(code).toBe(0);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: streamUrl }));
  }, 30_000);

  it('runner consumes the event stream into Redis, answers healthy for its health check, then drains and exits 0 on SIGTERM', async () => {
    // Prepare
    const streamUrl = await ensureQueue(sqs, `stepstack-container-runner-${process.pid}-${Date.now()}`);
    const prefix = `container-runner-${process.pid}`;
    const event = { name: 'app/ordered', data: {}, id: newId(), ts: Date.now() };
    await createSqsQueue<{ format: number; event: typeof event }>({ client: sqs, queueUrl: streamUrl }).send([{ body: { format: 1, event } }]);
    const state = createRedisStateStore({ url: setting('STEPSTACK_TEST_REDIS_URL'), keyPrefix: prefix });

    try {
      // Act
      const runnerHealthPort = await freePort();
      const runner = spawnBundle('container.js', ['runner'], {
        EVENT_STREAM_URL: streamUrl, STEP_QUEUE_URL: queueUrl, REDIS_URL: setting('STEPSTACK_TEST_REDIS_URL'), STEPSTACK_NAMESPACE: prefix, DRAIN_DEADLINE: '5s',
        HEALTH_PORT: String(runnerHealthPort),
      });
      await runner.waitForLog('runner: running');
      await runner.waitForLog('runner health endpoint listening');
      let kept = await state.getEvent(event.id);
      for (const end = Date.now() + 10_000; !kept && Date.now() < end; kept = await state.getEvent(event.id)) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The task definition's health check: healthy once the event stream has answered a receive.
      let health = 0;
      for (const end = Date.now() + 30_000; health !== 200 && Date.now() < end;) {
        health = await fetch(`http://127.0.0.1:${runnerHealthPort}/health`).then((answer) => answer.status, () => 0);
        if (health !== 200) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      runner.child.kill('SIGTERM');
      const [code] = await runner.exited;

      // Assess
      expect(health).toBe(200);
      expect(kept).toEqual(expect.objectContaining({ id: event.id, name: 'app/ordered' }));
      expect(code).toBe(0);
    } finally {
      await state.close();
      await sqs.send(new DeleteQueueCommand({ QueueUrl: streamUrl }));
    }
  }, 30_000);
});
