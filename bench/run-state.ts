import { Redis } from 'ioredis';
import { createHttpDriver } from '../adapters/http-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createMemoryStateStore } from '../adapters/memory/state-store';
import { createRedisStateStore } from '../adapters/redis';
import type { StepstackEvent } from '../core/events/event';
import { compileFunction } from '../core/functions/compile';
import type { CompiledFunction } from '../core/functions/compiled';
import type { Edge, FunctionDefinition, StepDefinition } from '../core/functions/definition';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import { silentLogger } from '../core/ports/logger';
import type { StateStore } from '../core/ports/state';
import { defaultRetrySettings } from '../core/run/backoff';
import type { WorkItem } from '../core/run/work-item';
import type { EngineDeps } from '../core/services/deps';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { FunctionCatalog } from '../core/services/function-catalog';
import { type RunnerDeps, handleEvent, startRunFor } from '../core/services/runner';
import { startWorker } from '../core/services/worker-loop';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { CHAIN as BULLMQ_CHAIN, compareWithBullmq, pairRatios } from './redis-vs-bullmq';
import { type NoopStepProcess, startNoopStepProcess } from './support/noop-step-process';
import { type NoopStepServer, startNoopStepServer } from './support/noop-step-server';
import { redisCpuMicros } from './support/redis-cpu';
import { collectGarbage } from './support/gc';
import { median, percentile } from './support/stats';

/** Steps the executor runs at once (worker-loop concurrency), in every scenario. */
const WORKERS = 20;
const FAN_WIDTH = 1000;
/** Steps per length in each round of the chain comparison: 1,000 chains of 10, or 20 chains of 500, 20 runs in flight. */
const CHAIN_STEPS = Number(process.env.CHAIN_STEPS ?? 10_000);
const CHAIN_RUNS_IN_FLIGHT = 20;
const WAITING_SIZES = [100, 10_000, 100_000];
/** Waiting runs created at once. */
const CREATE_IN_FLIGHT = 200;
/** Events per batch; the runs they resume are replaced after each batch, so about N runs stay waiting. */
const RESUME_BATCH = 20;
const SEQUENTIAL_EVENTS = 500;
const CONCURRENT_EVENTS = 2000;
/** Rounds of the fan-out and chain comparisons (alternating order); the best of each is kept. */
const ROUNDS = 3;
/**
 * Rounds of the chain comparison, each chains of 10 and chains of 500 back to back (alternating
 * order). The figure is the median of the rounds' ratios: this VM's speed drifts by ±15-30% within
 * seconds (the step server's CPU per identical step moves as much), and two halves of about a second
 * each share more of the drift than halves of four seconds did. With five rounds of 30,000 steps the
 * median landed anywhere from 84 to 98% in memory; fifteen of 10,000 (the same steps in all) put it at
 * 92-98% in runs of this scenario alone, and 81-92% in whole runs of the bench (2026-12-01).
 */
const CHAIN_ROUNDS = Number(process.env.CHAIN_ROUNDS ?? 15);
/**
 * Pairs of the BullMQ comparison (about 16 s each). Its median of three pairs read 1.30-1.66x over three
 * whole runs of one tree on 2026-12-02, single pairs 1.3-2.2x: five make the median steadier.
 */
const BULLMQ_PAIRS = Number(process.env.PAIRS ?? 5);

const seconds = (started: number): number => (performance.now() - started) / 1000;

/** Run `count` tasks, at most `inFlight` at a time. */
async function pool(count: number, inFlight: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(count, inFlight) }, async () => {
    while (next < count) await task(next++);
  }));
}

/** Resolves as `work` does, or fails after `ms` naming what did not happen. */
async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Functions

const step = (steps: { url: string }, id: string, after: Edge[]): StepDefinition => ({ runtime: { type: 'http', url: `${steps.url}/${id}` }, after });
const fromTrigger: Edge[] = [{ step: '$trigger' }];

function chainOf(steps: { url: string }, length: number): CompiledFunction {
  return compileFunction({
    id: `chain-${length}`, name: `chain of ${length}`, triggers: [{ event: 'bench/chain' }],
    steps: Object.fromEntries(Array.from({ length }, (_, i) => [`s${i}`, step(steps, `s${i}`, i === 0 ? fromTrigger : [{ step: `s${i - 1}` }])])),
  });
}

/** `root`, then FAN_WIDTH steps after it, then `join` after all of them. */
function fanOutOf(steps: NoopStepServer, width: number): CompiledFunction {
  const children = Array.from({ length: width }, (_, i) => `c${i}`);
  const definition: FunctionDefinition = {
    id: `fan-${width}`, name: `fan-out to ${width}`, triggers: [{ event: 'bench/fan' }],
    steps: {
      root: step(steps, 'root', fromTrigger),
      ...Object.fromEntries(children.map((id) => [id, step(steps, id, [{ step: 'root' }])])),
      join: step(steps, 'join', children.map((id) => ({ step: id }))),
    },
  };
  return compileFunction(definition);
}

/** One step that waits for `bench/resume` of its own id. */
function waiterOf(steps: NoopStepServer): CompiledFunction {
  return compileFunction({
    id: 'waiter', name: 'waits for its event', triggers: [{ event: 'bench/wait' }],
    steps: { w: step(steps, 'w', [{ step: '$trigger', async: { event: 'bench/resume', match: 'async.data.id == event.data.id', ttl: '1d' } }]) },
  });
}

const eventOf = (name: string, data: Record<string, unknown> = {}): StepstackEvent => ({ name, data, id: newId(), ts: Date.now() });

// ---------------------------------------------------------------------------------------------
// Engine: the real executor (handleWorkItem through the worker loop) over a memory step queue

interface Engine {
  deps: EngineDeps;
  runner: RunnerDeps;
  start(fn: CompiledFunction, data?: Record<string, unknown>): Promise<string>;
  stop(): Promise<void>;
}

function startEngine(state: StateStore): Engine {
  const queue = createMemoryQueue<WorkItem>({ name: 'bench-steps' });
  const deps: EngineDeps = { state, queue, clock: systemClock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 3_600_000, newId };
  const driver = createHttpDriver({});
  const executor: ExecutorDeps = { ...deps, drivers: { http: driver }, owner: 'bench', leaseMs: 60_000 };
  const worker = startWorker({
    name: 'bench', queue, logger: silentLogger, concurrency: WORKERS, visibilityMs: 60_000,
    handle: (message, signal) => handleWorkItem(executor, message.body, message, signal),
  });
  return {
    deps,
    runner: { ...deps, catalog: new FunctionCatalog(state) },
    start: (fn, data) => startRunFor(deps, fn, eventOf(fn.eventTriggers[0]!.event, data), { redelivered: false }),
    async stop() {
      await worker.stop(1000);
      driver.close();
      await queue.close();
      await state.close();
    },
  };
}

interface Backend {
  name: 'memory' | 'Redis';
  /** A fresh state store (on Redis after emptying the server). */
  open(): Promise<StateStore>;
  /** Redis's used_memory in bytes; undefined in memory. */
  usedMemory(): Promise<number | undefined>;
  /** The Redis server's CPU time so far in µs (user + system); undefined in memory. */
  serverCpuMicros(): Promise<number | undefined>;
}

function memoryBackend(): Backend {
  return { name: 'memory', open: () => Promise.resolve(createMemoryStateStore()), usedMemory: () => Promise.resolve(undefined), serverCpuMicros: () => Promise.resolve(undefined) };
}

function redisBackend(url: string, admin: Redis): Backend {
  return {
    name: 'Redis',
    async open() {
      await admin.flushall();
      return createRedisStateStore({ url, keyPrefix: 'bench' });
    },
    async usedMemory() {
      return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    },
    serverCpuMicros: () => redisCpuMicros(admin),
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

interface FanFigures { fanStepsPerSecond: number; singleStepsPerSecond: number }

/** One run fanning out to FAN_WIDTH steps plus a fan-in, against FAN_WIDTH runs of one step each. */
async function fanOut(backend: Backend, steps: NoopStepServer): Promise<FanFigures> {
  const engine = startEngine(await backend.open());
  try {
    const fan = fanOutOf(steps, FAN_WIDTH);
    const single = chainOf(steps, 1);
    const fanRun = async (): Promise<number> => {
      const target = steps.stepsDone() + FAN_WIDTH + 2;
      const started = performance.now();
      await engine.start(fan);
      await within(120_000, 'the fan-out did not finish', steps.whenDone(target));
      return (FAN_WIDTH + 2) / seconds(started);
    };
    const singles = async (): Promise<number> => {
      const target = steps.stepsDone() + FAN_WIDTH;
      const started = performance.now();
      await pool(FAN_WIDTH, 50, async () => {
        await engine.start(single);
      });
      await within(120_000, 'the single-step runs did not finish', steps.whenDone(target));
      return FAN_WIDTH / seconds(started);
    };
    await fanRun(); // warm-up
    await singles();
    const figures = { fanStepsPerSecond: 0, singleStepsPerSecond: 0 };
    for (let round = 0; round < ROUNDS; round += 1) {
      const [first, second] = round % 2 === 0 ? [fanRun, singles] : [singles, fanRun];
      const a = await first();
      const b = await second();
      const [fanRate, singleRate] = round % 2 === 0 ? [a, b] : [b, a];
      figures.fanStepsPerSecond = Math.max(figures.fanStepsPerSecond, fanRate);
      figures.singleStepsPerSecond = Math.max(figures.singleStepsPerSecond, singleRate);
    }
    return figures;
  } finally {
    await engine.stop();
  }
}

interface ChainFigures { stepsPerSecond: number; redisBytesPerStep?: number; cpu: string }
interface ChainComparison { short: ChainFigures; long: ChainFigures; roundRatios: number[] }

/** CHAIN_STEPS steps as chains of `length`, CHAIN_RUNS_IN_FLIGHT runs at a time (a new one starts as one ends). */
async function chains(engine: Engine, steps: Pick<NoopStepProcess, 'whenRunDone'>, fn: CompiledFunction, length: number): Promise<number> {
  const started = performance.now();
  await pool(CHAIN_STEPS / length, CHAIN_RUNS_IN_FLIGHT, async () => {
    const runId = await engine.start(fn);
    await within(300_000, `run ${runId} did not finish`, steps.whenRunDone(runId, length));
  });
  return CHAIN_STEPS / seconds(started);
}

/**
 * Chains of 500 against chains of 10, with Redis memory per completed step (runs are kept after they
 * end). The step server runs in a process of its own, as in a deployment: step i of a chain of 500 is
 * handed i outputs (about 10 KB at depth 250), and a server sharing the bench's CPU made reading them
 * count as the engine's cost.
 */
async function chainLengths(backend: Backend): Promise<ChainComparison> {
  const steps = await startNoopStepProcess();
  const short = chainOf(steps, 10);
  const long = chainOf(steps, 500);
  // Each round on a fresh store and engine, after a collection: neither length runs beside the runs
  // (and garbage) the other left in the heap.
  const onFreshEngine = async <T>(work: (engine: Engine) => Promise<T>): Promise<T> => {
    collectGarbage();
    const engine = startEngine(await backend.open());
    try {
      return await work(engine);
    } finally {
      await engine.stop();
    }
  };
  const measure = (fn: CompiledFunction, length: number): Promise<ChainFigures> => onFreshEngine(async (engine) => {
    const before = await backend.usedMemory();
    const cpuBefore = { bench: process.cpuUsage(), steps: await steps.cpuMicros(), server: await backend.serverCpuMicros() };
    const stepsPerSecond = await chains(engine, steps, fn, length);
    const bench = process.cpuUsage(cpuBefore.bench);
    const perStep = (micros: number): string => (micros / CHAIN_STEPS).toFixed(0);
    const server = await backend.serverCpuMicros();
    // CPU per step of each process (this VM's two cores run all three): where a round's time went.
    const cpu = [`bench ${perStep(bench.user + bench.system)}`, `step server ${perStep((await steps.cpuMicros()) - cpuBefore.steps)}`,
      ...(server !== undefined && cpuBefore.server !== undefined ? [`Redis ${perStep(server - cpuBefore.server)}`] : [])].join(', ');
    const after = await backend.usedMemory();
    return { stepsPerSecond, cpu, ...(before !== undefined && after !== undefined ? { redisBytesPerStep: (after - before) / CHAIN_STEPS } : {}) };
  });
  try {
    // Warm-up: connections, script loading, JIT.
    await onFreshEngine((engine) => pool(100, CHAIN_RUNS_IN_FLIGHT, async () => {
      const runId = await engine.start(short);
      await steps.whenRunDone(runId, 10);
    }));
    const figures: ChainComparison = { short: { stepsPerSecond: 0, cpu: '' }, long: { stepsPerSecond: 0, cpu: '' }, roundRatios: [] };
    for (let round = 0; round < CHAIN_ROUNDS; round += 1) {
      const rate = { short: 0, long: 0 };
      for (const [fn, length, key] of round % 2 === 0 ? [[short, 10, 'short'], [long, 500, 'long']] as const : [[long, 500, 'long'], [short, 10, 'short']] as const) {
        const measured = await measure(fn, length);
        if (process.env.BENCH_VERBOSE) console.error(`  chain of ${length}: ${measured.stepsPerSecond.toFixed(0)} steps/s; CPU µs per step: ${measured.cpu}`);
        rate[key] = measured.stepsPerSecond;
        if (measured.stepsPerSecond > figures[key].stepsPerSecond) figures[key] = measured;
      }
      figures.roundRatios.push(rate.long / rate.short);
    }
    return figures;
  } finally {
    await steps.close();
  }
}

interface ResumeFigures {
  waiting: number;
  createdPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  resumesPerSecond: number;
  redisBytesPerWaitingRun?: number;
}

/** With `size` runs waiting, events that each resume one of them: first one at a time (cost), then RESUME_BATCH at a time (rate). */
async function resumes(backend: Backend, steps: NoopStepServer, size: number): Promise<ResumeFigures> {
  const engine = startEngine(await backend.open());
  try {
    const fn = waiterOf(steps);
    const waiting: string[] = [];
    let keys = 0;
    const create = (count: number): Promise<void> => pool(count, CREATE_IN_FLIGHT, async () => {
      const id = `k${keys++}`;
      await engine.start(fn, { id });
      waiting.push(id);
    });
    const before = await backend.usedMemory();
    const creating = performance.now();
    await create(size);
    const createdPerSecond = size / seconds(creating);
    const after = await backend.usedMemory();
    let expected = steps.stepsDone();
    const resume = (id: string): Promise<void> => handleEvent(engine.runner, eventOf('bench/resume', { id }), { redelivered: false });
    const take = (): string[] => waiting.splice(0, RESUME_BATCH);

    // Warm-up, then one event at a time.
    for (const id of take()) await resume(id);
    expected += RESUME_BATCH;
    await create(RESUME_BATCH);
    const latencies: number[] = [];
    for (let sent = 0; sent < SEQUENTIAL_EVENTS; sent += RESUME_BATCH) {
      for (const id of take()) {
        const started = performance.now();
        await resume(id);
        latencies.push(performance.now() - started);
      }
      expected += RESUME_BATCH;
      await create(RESUME_BATCH);
    }
    await within(60_000, `${expected - steps.stepsDone()} resumed runs did not run their step`, steps.whenDone(expected));

    // RESUME_BATCH events at once.
    let busy = 0;
    for (let sent = 0; sent < CONCURRENT_EVENTS; sent += RESUME_BATCH) {
      const batch = take();
      const started = performance.now();
      await Promise.all(batch.map(resume));
      busy += seconds(started);
      expected += RESUME_BATCH;
      await create(RESUME_BATCH);
    }
    await within(60_000, `${expected - steps.stepsDone()} resumed runs did not run their step`, steps.whenDone(expected));
    return {
      waiting: size, createdPerSecond, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99),
      meanMs: latencies.reduce((sum, ms) => sum + ms, 0) / latencies.length, resumesPerSecond: CONCURRENT_EVENTS / busy,
      ...(before !== undefined && after !== undefined ? { redisBytesPerWaitingRun: (after - before) / size } : {}),
    };
  } finally {
    await engine.stop();
  }
}

interface BackendFigures {
  fan: FanFigures;
  chain: ChainComparison;
  resume: ResumeFigures[];
}

async function measureBackend(backend: Backend, steps: NoopStepServer): Promise<BackendFigures> {
  const progress = (what: string): void => console.error(`  [${backend.name}] ${what}`);
  progress(`fan-out to ${FAN_WIDTH} and ${FAN_WIDTH} single-step runs`);
  const fan = await fanOut(backend, steps);
  progress('chains of 10 and 500');
  const chain = await chainLengths(backend);
  const resume: ResumeFigures[] = [];
  for (const size of WAITING_SIZES) {
    progress(`resumes with ${size} runs waiting`);
    resume.push(await resumes(backend, steps, size));
  }
  return { fan, chain, resume };
}

// ---------------------------------------------------------------------------------------------
// Report

interface Line {
  figure: string;
  memory: string;
  redis: string;
  target: string;
  /** Whether each measured side meets the target (undefined: no target on that side). */
  pass: { memory?: boolean; redis?: boolean };
}

const n0 = (value: number): string => value.toFixed(0);
const pct = (value: number): string => `${(value * 100).toFixed(0)}%`;
const ms2 = (value: number): string => `${value.toFixed(2)} ms`;

function verdict(line: Line): string {
  const sides = Object.entries(line.pass).filter(([, pass]) => pass !== undefined);
  if (sides.length === 0) return '';
  const missed = sides.filter(([, pass]) => !pass).map(([side]) => (side === 'redis' ? 'Redis' : side));
  return missed.length === 0 ? 'PASS' : `MISS (${missed.join(', ')})`;
}

function report(memory: BackendFigures, redis: BackendFigures, bullmq: { stepstack: number[]; bullmq: number[]; ratios: number[]; medianRatio: number }): Line[] {
  const lines: Line[] = [];
  const both = (figure: string, of: (f: BackendFigures) => string, target = '', pass?: (f: BackendFigures) => boolean): void => {
    lines.push({ figure, memory: of(memory), redis: of(redis), target, pass: pass ? { memory: pass(memory), redis: pass(redis) } : {} });
  };
  const fanRatio = (f: BackendFigures): number => f.fan.fanStepsPerSecond / f.fan.singleStepsPerSecond;
  both(`fan-out to ${FAN_WIDTH} + fan-in: steps/s`, (f) => n0(f.fan.fanStepsPerSecond));
  both(`${FAN_WIDTH} runs of one step: steps/s`, (f) => n0(f.fan.singleStepsPerSecond));
  both('  fan-out / single-step runs', (f) => pct(fanRatio(f)), '>= 80%', (f) => fanRatio(f) >= 0.8);
  const chainRatio = (f: BackendFigures): number => median(f.chain.roundRatios);
  both(`chains of 10: steps/s (${CHAIN_RUNS_IN_FLIGHT} runs in flight, best of ${CHAIN_ROUNDS})`, (f) => n0(f.chain.short.stepsPerSecond));
  both(`chains of 500: steps/s (${CHAIN_RUNS_IN_FLIGHT} runs in flight, best of ${CHAIN_ROUNDS})`, (f) => n0(f.chain.long.stepsPerSecond));
  both('  500 / 10 in each round', (f) => f.chain.roundRatios.map((ratio) => (100 * ratio).toFixed(0)).join(' '));
  both(`  chain of 500 / chain of 10 (median of ${CHAIN_ROUNDS} rounds)`, (f) => pct(chainRatio(f)), '>= 90%', (f) => chainRatio(f) >= 0.9);
  for (const [i, size] of WAITING_SIZES.entries()) {
    both(`resume, ${size.toLocaleString('en')} waiting: per-event p50 / p99`, (f) => `${ms2(f.resume[i]!.p50Ms)} / ${ms2(f.resume[i]!.p99Ms)}`);
  }
  const last = WAITING_SIZES.length - 1;
  const costRatio = (f: BackendFigures): number => f.resume[last]!.p50Ms / f.resume[0]!.p50Ms;
  both(`  per-event p50 at ${WAITING_SIZES[last]!.toLocaleString('en')} / at ${WAITING_SIZES[0]}`, (f) => `${costRatio(f).toFixed(2)}x`, '<= 1.5x', (f) => costRatio(f) <= 1.5);
  for (const [i, size] of WAITING_SIZES.entries()) {
    const line: Line = {
      figure: `resumes/s, ${size.toLocaleString('en')} waiting (${RESUME_BATCH} events at once)`,
      memory: n0(memory.resume[i]!.resumesPerSecond), redis: n0(redis.resume[i]!.resumesPerSecond), target: '>= 1,000 on Redis',
      pass: { redis: redis.resume[i]!.resumesPerSecond >= 1000 },
    };
    lines.push(line);
  }
  both(`waiting runs created/s (${WAITING_SIZES[last]!.toLocaleString('en')}, ${CREATE_IN_FLIGHT} at once)`, (f) => n0(f.resume[last]!.createdPerSecond));
  const bestStepstack = Math.max(...bullmq.stepstack);
  const bestBullmq = Math.max(...bullmq.bullmq);
  lines.push({ figure: `chains of ${BULLMQ_CHAIN}, Stepstack steps/s (best of ${bullmq.stepstack.length} processes)`, memory: '', redis: n0(bestStepstack), target: '', pass: {} });
  lines.push({ figure: `chains of ${BULLMQ_CHAIN}, BullMQ steps/s (best of ${bullmq.bullmq.length} processes)`, memory: '', redis: n0(bestBullmq), target: '', pass: {} });
  lines.push({ figure: '  Stepstack / BullMQ in each pair', memory: '', redis: bullmq.ratios.map((ratio) => `${ratio.toFixed(2)}x`).join(' '), target: '', pass: {} });
  lines.push({ figure: `  Stepstack / BullMQ (median of ${bullmq.ratios.length} pairs)`, memory: '', redis: `${bullmq.medianRatio.toFixed(2)}x`, target: '>= 1.5x', pass: { redis: bullmq.medianRatio >= 1.5 } });
  const bytes = (value: number | undefined): string => (value === undefined ? '' : `${n0(value)} B`);
  lines.push({ figure: `Redis memory per waiting run (${WAITING_SIZES[last]!.toLocaleString('en')} waiting)`, memory: '', redis: bytes(redis.resume[last]!.redisBytesPerWaitingRun), target: '', pass: {} });
  lines.push({ figure: 'Redis memory per completed step (chains of 500)', memory: '', redis: bytes(redis.chain.long.redisBytesPerStep), target: '', pass: {} });
  lines.push({ figure: 'Redis memory per completed step (chains of 10)', memory: '', redis: bytes(redis.chain.short.redisBytesPerStep), target: '', pass: {} });
  return lines;
}

function print(lines: Line[]): void {
  const header: Line = { figure: 'figure', memory: 'memory', redis: 'Redis', target: 'target', pass: {} };
  const rows = [header, ...lines].map((line) => [line.figure, line.memory, line.redis, line.target, line === header ? 'result' : verdict(line)]);
  const widths = [0, 1, 2, 3, 4].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  console.log(`\nrun state (issue 7): no-op HTTP steps through the real executor, ${WORKERS} at once, memory step queue; Redis on loopback`);
  for (const row of rows) console.log(`  ${row.map((cell, i) => (i === 0 || i >= 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ')}`);
}

/** Issue 7's figures, in memory and on Redis side by side, with their targets. */
export async function benchRunState(): Promise<void> {
  const redis = await spawnRedisServer({});
  const admin = new Redis(redis.url);
  const steps = await startNoopStepServer();
  try {
    const memory = await measureBackend(memoryBackend(), steps);
    const onRedis = await measureBackend(redisBackend(redis.url, admin), steps);
    console.error('  [Redis] chains against BullMQ (fresh processes, alternating order)');
    await admin.flushall();
    const compared = await compareWithBullmq(redis, 'http', BULLMQ_PAIRS);
    const { ratios, median: medianRatio } = pairRatios(compared);
    print(report(memory, onRedis, {
      stepstack: compared.stepstack.map((f) => Number(f['steps/s'])), bullmq: compared.bullmq.map((f) => Number(f['steps/s'])), ratios, medianRatio,
    }));
  } finally {
    await steps.close();
    await admin.quit();
    await redis.stop();
  }
}

/** Scenarios on one backend, printing their raw figures (for profiling): `--only fan|chains|resume:<size>[,...] memory|redis`. */
async function benchOne(scenario: string, backendName: string): Promise<void> {
  const redis = backendName === 'redis' ? await spawnRedisServer({}) : undefined;
  const admin = redis ? new Redis(redis.url) : undefined;
  const steps = await startNoopStepServer();
  try {
    const backend = redis && admin ? redisBackend(redis.url, admin) : memoryBackend();
    // Scenarios one after another in one process: `chains,resume:100`.
    for (const one of scenario.split(',')) {
      const [name, size] = one.split(':');
      const figures = name === 'fan' ? await fanOut(backend, steps)
        : name === 'chains' ? await chainLengths(backend)
          : await resumes(backend, steps, Number(size ?? 100));
      console.log(JSON.stringify(figures));
    }
    if (admin) {
      // Where Redis spent its time (the state stores' scripts show up as evalsha).
      const stats = await admin.info('commandstats');
      for (const line of stats.split('\r\n').filter((entry) => entry.startsWith('cmdstat_'))) console.log(`  ${line}`);
      console.log(`  ${/used_cpu_user:[0-9.]+/.exec(await admin.info('cpu'))?.[0]}`);
    }
  } finally {
    await steps.close();
    await admin?.quit();
    await redis?.stop();
  }
}

if (require.main === module) {
  const [flag, scenario, backendName] = process.argv.slice(2);
  (flag === '--only' ? benchOne(scenario!, backendName ?? 'memory') : benchRunState()).then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
