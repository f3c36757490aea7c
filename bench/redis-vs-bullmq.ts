import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { Queue as BullQueue, Worker as BullWorker } from 'bullmq';
import { createHttpDriver } from '../adapters/http-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createRedisStateStore } from '../adapters/redis';
import { newId } from '../core/ids';
import type { Driver } from '../core/ports/driver';
import { systemClock } from '../core/ports/clock';
import { silentLogger } from '../core/ports/logger';
import { defaultRetrySettings } from '../core/run/backoff';
import type { WorkItem } from '../core/run/work-item';
import { compileFunction } from '../core/functions/compile';
import type { FunctionDefinition } from '../core/functions/definition';
import type { EngineDeps } from '../core/services/deps';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { startRunFor } from '../core/services/runner';
import { startWorker } from '../core/services/worker-loop';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { redisCpuMicros } from './support/redis-cpu';
import { monitorRedis, total } from './support/redis-monitor';
import { inlineStepDriver } from './support/inline-step-driver';
import { type NoopStepProcess, startNoopStepProcess } from './support/noop-step-process';
import { startNoopStepServer } from './support/noop-step-server';
import { fmt, median, percentile } from './support/stats';

export const CHAIN = 10;
const RUNS = Number(process.env.RUNS ?? 1000);
/** Pairs of runs, one of each system, in alternating order: a load change on the machine hits both of a pair. */
const PAIRS = Number(process.env.PAIRS ?? 3);
const CONCURRENCY = 20;

/**
 * How each step runs: `http`, a no-op HTTP endpoint in a process of its own, as a deployment's step
 * servers are (the realistic figure: both systems pay the HTTP client's side of each step);
 * `inline`, in the bench process (what each engine costs per step on its own).
 */
export type StepKind = 'http' | 'inline';
const STEP_KINDS: Record<StepKind, string> = { http: 'no-op HTTP steps (step server in its own process)', inline: 'in-process no-op steps (engine cost alone)' };

/** Where the steps run, and how the bench counts them. */
interface StepSite {
  url: string;
  driver: Driver;
  steps: Pick<NoopStepProcess, 'stepsDone' | 'whenDone' | 'gaps' | 'cpuMicros'>;
  close(): Promise<void>;
}

async function stepSite(kind: StepKind): Promise<StepSite> {
  if (kind === 'http') {
    const server = await startNoopStepProcess();
    const driver = createHttpDriver({});
    return { url: server.url, driver, steps: server, close: async () => { driver.close(); await server.close(); } };
  }
  const server = await startNoopStepServer();
  return {
    url: server.url, driver: inlineStepDriver(server), close: () => server.close(),
    steps: {
      stepsDone: () => server.stepsDone(), whenDone: (total) => server.whenDone(total), gaps: () => Promise.resolve(server.gaps()),
      cpuMicros: () => Promise.resolve(0), // in the bench process: counted in its own CPU
    },
  };
}

export interface Figures {
  'steps/s': string;
  'dispatch p50': string;
  'dispatch p99': string;
  'client commands/step (>= round trips)': string;
  'server commands/step (INFO commandstats)': string;
  'Redis CPU per step': string;
  'bench process CPU per step': string;
  'step server CPU per step': string;
  'machine CPU per step (all processes, kernel)': string;
  'machine busy': string;
}

/** Busy and total CPU time of the whole machine so far, in µs, over all cores (os.cpus). */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.irq + times.idle;
    total += all;
    busy += all - times.idle;
  }
  return { busy: busy * 1000, total: total * 1000 };
}

async function redisCpuMs(redisUrl: string): Promise<number> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  try {
    return (await redisCpuMicros(client)) / 1000;
  } finally {
    await client.quit();
  }
}

async function commandstatsTotal(redisUrl: string): Promise<number> {
  const { default: Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  const info = await client.info('commandstats');
  await client.quit();
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/**
 * Runs waves of CONCURRENCY chains (so every run in flight has a worker slot): first RUNS runs for the
 * rate and latency, then two waves under MONITOR (which slows Redis) for the command counts.
 */
async function measure(
  steps: StepSite['steps'], startRuns: (count: number) => Promise<void>, redisUrl: string, redisPort: number,
): Promise<Figures> {
  const waves = async (count: number): Promise<number> => {
    const started = performance.now();
    for (let wave = 0; wave < count; wave += 1) {
      const target = steps.stepsDone() + CONCURRENCY * CHAIN;
      await startRuns(CONCURRENCY);
      await steps.whenDone(target);
    }
    return (performance.now() - started) / 1000;
  };
  await waves(3); // warm-up: connections, script loading, JIT
  const gapsBefore = (await steps.gaps()).length;
  const redisCpuBefore = await redisCpuMs(redisUrl);
  const stepCpuBefore = await steps.cpuMicros();
  const machineBefore = machineCpu();
  const cpuBefore = process.cpuUsage();
  const seconds = await waves(RUNS / CONCURRENCY);
  const cpu = process.cpuUsage(cpuBefore);
  const machineAfter = machineCpu();
  const stepCpu = (await steps.cpuMicros()) - stepCpuBefore;
  const redisCpu = (await redisCpuMs(redisUrl)) - redisCpuBefore;
  const gaps = (await steps.gaps()).slice(gapsBefore);
  const countedWaves = 2;
  const before = await commandstatsTotal(redisUrl);
  const monitor = await monitorRedis(redisPort);
  await waves(countedWaves);
  monitor.stop();
  const counted = countedWaves * CONCURRENCY * CHAIN;
  const server = (await commandstatsTotal(redisUrl)) - before - 1;
  return {
    'steps/s': ((RUNS * CHAIN) / seconds).toFixed(0),
    'dispatch p50': fmt(percentile(gaps, 50)),
    'dispatch p99': fmt(percentile(gaps, 99)),
    'client commands/step (>= round trips)': (total(monitor.clientCommands()) / counted).toFixed(2),
    'server commands/step (INFO commandstats)': (server / counted).toFixed(2),
    'Redis CPU per step': `${((redisCpu * 1000) / (RUNS * CHAIN)).toFixed(0)} µs`,
    'bench process CPU per step': `${((cpu.user + cpu.system) / (RUNS * CHAIN)).toFixed(0)} µs`,
    'step server CPU per step': `${(stepCpu / (RUNS * CHAIN)).toFixed(0)} µs`,
    'machine CPU per step (all processes, kernel)': `${((machineAfter.busy - machineBefore.busy) / (RUNS * CHAIN)).toFixed(0)} µs`,
    'machine busy': `${((100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total)).toFixed(0)}%`,
  };
}

/** Stepstack: chains of no-op HTTP steps, state on Redis, in-process executor. */
export async function benchStepstack(redisUrl: string, redisPort: number, kind: StepKind): Promise<Figures> {
  const site = await stepSite(kind);
  const state = createRedisStateStore({ url: redisUrl, keyPrefix: `bench-${Date.now()}` });
  const queue = createMemoryQueue<WorkItem>({ name: 'bench-steps' });
  const engine: EngineDeps = { state, queue, clock: systemClock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 3_600_000, newId };
  const definition: FunctionDefinition = {
    id: 'chain', name: 'chain', triggers: [{ event: 'bench/chain' }],
    steps: Object.fromEntries(Array.from({ length: CHAIN }, (_, i) => [
      `s${i}`, { runtime: { type: 'http' as const, url: `${site.url}/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }] },
    ])),
  };
  const fn = compileFunction(definition);
  const executor: ExecutorDeps = { ...engine, drivers: { http: site.driver }, owner: 'bench', leaseMs: 60_000 };
  const worker = startWorker({
    name: 'bench', queue, logger: silentLogger, concurrency: CONCURRENCY, visibilityMs: 60_000,
    handle: (message, signal) => handleWorkItem(executor, message.body, message, signal),
  });
  try {
    const startRuns = async (count: number): Promise<void> => {
      await Promise.all(Array.from({ length: count }, () =>
        startRunFor(engine, fn, { name: 'bench/chain', data: {}, id: newId(), ts: Date.now() }, { redelivered: false })));
    };
    return await measure(site.steps, startRuns, redisUrl, redisPort);
  } finally {
    await worker.stop(1000);
    await queue.close();
    await state.close();
    await site.close();
  }
}

/** BullMQ: the same chains as jobs; each job makes the same no-op HTTP call with the earlier outputs, then adds the next job. */
export async function benchBullmq(redisUrl: string, redisPort: number, kind: StepKind): Promise<Figures> {
  const site = await stepSite(kind);
  const { hostname, port } = new URL(redisUrl);
  const connection = { host: hostname, port: Number(port), maxRetriesPerRequest: null };
  const name = `chain-${Date.now()}`;
  const queue = new BullQueue(name, { connection });
  const { driver } = site;
  // Equivalent to a Stepstack chain: each job hands its step the earlier outputs and passes them on.
  const worker = new BullWorker(name, async (job) => {
    const { run, index, outputs } = job.data as { run: string; index: number; outputs: Record<string, unknown> };
    const input = { event: { name: 'bench/chain', data: {}, id: run, ts: 0 }, steps: outputs, async: null, ctx: { fn_id: 'chain', step_id: `s${index}`, run_id: run, attempt: 0 } };
    const outcome = await driver.run({ input, runtime: { type: 'http', url: `${site.url}/s${index}` }, timeoutMs: 60_000, signal: new AbortController().signal });
    const output = outcome.kind === 'success' ? outcome.output : null;
    if (index + 1 < CHAIN) await queue.add('step', { run, index: index + 1, outputs: { ...outputs, [`s${index}`]: output } }, { removeOnComplete: true });
  }, { connection, concurrency: CONCURRENCY, autorun: false });
  try {
    void worker.run();
    await worker.waitUntilReady();
    const startRuns = async (count: number): Promise<void> => {
      await queue.addBulk(Array.from({ length: count }, () => ({ name: 'step', data: { run: newId(), index: 0, outputs: {} }, opts: { removeOnComplete: true } })));
    };
    return await measure(site.steps, startRuns, redisUrl, redisPort);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await site.close();
  }
}

const SYSTEMS = { stepstack: benchStepstack, bullmq: benchBullmq } as const;
type System = keyof typeof SYSTEMS;

/** One system in a fresh process, so neither inherits the other's JIT warm-up or garbage. */
function runInChild(system: System, kind: StepKind, redisUrl: string, redisPort: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', system, kind, redisUrl, String(redisPort)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('exit', (code) => {
      const line = out.split('\n').find((candidate) => candidate.startsWith('FIGURES '));
      if (code !== 0 || !line) reject(new Error(`${system} bench exited with ${code}`));
      else resolve(JSON.parse(line.slice('FIGURES '.length)) as Figures);
    });
  });
}

/** Each system `pairs` times on the Redis server at `redis`, each run in a fresh process, in alternating order. */
export async function compareWithBullmq(redis: { url: string; port: number }, kind: StepKind = 'http', pairs = PAIRS): Promise<Record<System, Figures[]>> {
  const results: Record<System, Figures[]> = { stepstack: [], bullmq: [] };
  for (let pair = 0; pair < pairs; pair += 1) {
    for (const system of (pair % 2 === 0 ? ['stepstack', 'bullmq'] : ['bullmq', 'stepstack']) as System[]) {
      results[system].push(await runInChild(system, kind, redis.url, redis.port));
    }
  }
  return results;
}

/** Stepstack's steps/s over BullMQ's within each pair, and their median: the comparison's figure. */
export function pairRatios(results: Record<System, Figures[]>): { ratios: number[]; median: number } {
  const ratios = results.stepstack.map((figures, i) => Number(figures['steps/s']) / Number(results.bullmq[i]!['steps/s']));
  return { ratios, median: median(ratios) };
}

/**
 * Issue 3's figures: Stepstack on Redis against BullMQ, side by side on one Redis server in one run.
 * Each system runs PAIRS times in its own process, in alternating order; the better run of each is
 * shown, and the median of the pairs' ratios.
 */
export async function benchRedisVsBullmq(): Promise<void> {
  const redis = await spawnRedisServer({});
  try {
    for (const kind of Object.keys(STEP_KINDS) as StepKind[]) printComparison(kind, await compareWithBullmq(redis, kind));
  } finally {
    await redis.stop();
  }
}

function printComparison(kind: StepKind, results: Record<System, Figures[]>): void {
  const best = (runs: Figures[]): Figures => runs.reduce((a, b) => (Number(b['steps/s']) > Number(a['steps/s']) ? b : a));
  const stepstack = best(results.stepstack);
  const bullmq = best(results.bullmq);
  console.log(`\nchains of ${CHAIN} ${STEP_KINDS[kind]}, ${RUNS} runs in waves of ${CONCURRENCY}, ${CONCURRENCY} workers, one Redis server (best of ${PAIRS} each)`);
  console.log(`  ${''.padEnd(42)} ${'Stepstack'.padStart(12)} ${'BullMQ'.padStart(12)}`);
  for (const key of Object.keys(stepstack) as (keyof Figures)[]) {
    console.log(`  ${key.padEnd(42)} ${stepstack[key].padStart(12)} ${bullmq[key].padStart(12)}`);
  }
  console.log(`  steps/s of every run: Stepstack ${results.stepstack.map((f) => f['steps/s']).join(', ')}; BullMQ ${results.bullmq.map((f) => f['steps/s']).join(', ')}`);
  const { ratios, median } = pairRatios(results);
  console.log(`  Stepstack / BullMQ per pair: ${ratios.map((ratio) => `${ratio.toFixed(2)}x`).join(', ')}; median ${median.toFixed(2)}x (target >= 1.5x)`);
}

async function child(system: System, kind: StepKind, redisUrl: string, redisPort: number): Promise<void> {
  const figures = await SYSTEMS[system](redisUrl, redisPort, kind);
  console.log(`FIGURES ${JSON.stringify(figures)}`);
}

if (require.main === module) {
  const [flag, system, kind, redisUrl, redisPort] = process.argv.slice(2);
  const main = flag === '--child' ? child(system as System, kind as StepKind, redisUrl!, Number(redisPort)) : benchRedisVsBullmq();
  main.then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
