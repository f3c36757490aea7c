import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRedisStateStore } from '../adapters/redis';
import { createSqsClient, createSqsQueue, ensureQueue } from '../adapters/sqs';
import { compileFunction } from '../core/functions/compile';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import { silentLogger } from '../core/ports/logger';
import { defaultRetrySettings } from '../core/run/backoff';
import type { WorkItem } from '../core/run/work-item';
import type { EngineDeps } from '../core/services/deps';
import { startRunFor } from '../core/services/runner';
import { buildExecutorBundle } from '../executor/build';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { spawnSqsServer } from '../tests/harness/sqs';
import { freePort } from '../tests/support/free-port';

/**
 * The executor daemon's resident memory (VmRSS) as systemd runs it (the bundle, `node executor.js`):
 * idle after start, and with IN_FLIGHT HTTP steps in flight at once (a local step server holds every
 * request until all have arrived). Targets: under 100 MiB idle, under 300 MiB with 200 in flight.
 */
const IN_FLIGHT = 200;

const rssMiB = async (pid: number): Promise<number> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) / 1024;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export async function benchExecutorMemory(): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'stepstack-bench-executor-'));
  const [redis, sqsServer, bundle] = await Promise.all([spawnRedisServer(), spawnSqsServer(), buildExecutorBundle(work)]);
  const held: ServerResponse[] = [];
  const steps = createServer((request, response) => {
    request.resume();
    request.on('end', () => held.push(response));
  });
  await new Promise<void>((resolve) => steps.listen(0, '127.0.0.1', resolve));
  const stepUrl = `http://127.0.0.1:${(steps.address() as AddressInfo).port}/hold`;
  const sqs = createSqsClient({ endpoint: sqsServer.endpoint });
  const queueUrl = await ensureQueue(sqs, `stepstack-bench-executor-${Date.now()}`);
  const keyPrefix = `bench-executor-${process.pid}`;
  const healthPort = await freePort();
  let daemon: ChildProcess | undefined;
  const state = createRedisStateStore({ url: redis.url, keyPrefix });
  try {
    daemon = spawn(process.execPath, [path.join(bundle.dir, 'executor.js')], {
      env: {
        PATH: process.env.PATH, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', SQS_ENDPOINT: sqsServer.endpoint,
        STEP_QUEUE_URL: queueUrl, REDIS_URL: redis.url, STEPSTACK_NAMESPACE: keyPrefix, CONCURRENCY: String(IN_FLIGHT), HEALTH_PORT: String(healthPort),
        DOCKER_HOST: `unix://${process.env.STEPSTACK_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock'}`, DOCKER_NETWORK: 'none', DRAIN_DEADLINE: '5s', STEP_LEASE: '60s', LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const health = async (): Promise<string> => (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    const inFlight = async (): Promise<number> => Number(/^stepstack_steps_in_flight (\d+)$/m.exec(await health())?.[1]);
    await until('executor healthy', async () => ((await fetch(`http://127.0.0.1:${healthPort}/health`)).ok ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idle = await rssMiB(daemon.pid!);

    const engine: EngineDeps = {
      state, queue: createSqsQueue<WorkItem>({ client: sqs, queueUrl }), clock: systemClock, logger: silentLogger,
      retry: defaultRetrySettings, retentionMs: 600_000, newId,
    };
    const fn = compileFunction({ id: 'bench-memory', triggers: [{ event: 'bench/memory' }], steps: { hold: { after: [{ step: '$trigger' }], runtime: { type: 'http', url: stepUrl } } } } as never);
    for (let run = 0; run < IN_FLIGHT; run += 1) await startRunFor(engine, fn, { name: 'bench/memory', data: { run }, id: newId(), ts: Date.now() }, { redelivered: false });
    await until(`${IN_FLIGHT} steps in flight`, async () => ((await inFlight()) >= IN_FLIGHT && held.length >= IN_FLIGHT ? true : undefined));
    const loaded = await rssMiB(daemon.pid!);
    for (const response of held.splice(0)) response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    await until('steps done', async () => ((await inFlight()) === 0 ? true : undefined));

    console.log('\nExecutor daemon memory (VmRSS of `node executor.js`, the bundle systemd runs)');
    console.log(`idle after start:            ${idle.toFixed(1)} MiB  (target < 100 MiB)`);
    console.log(`${IN_FLIGHT} HTTP steps in flight:    ${loaded.toFixed(1)} MiB  (target < 300 MiB)`);
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await once(daemon, 'exit');
    }
    await state.close();
    sqs.destroy();
    steps.closeAllConnections();
    steps.close();
    await Promise.all([redis.stop(), sqsServer.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchExecutorMemory().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
