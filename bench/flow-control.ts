import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpDriver } from '../adapters/http-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createRedisStateStore } from '../adapters/redis';
import { compileFunction } from '../core/functions/compile';
import type { CompiledFunction } from '../core/functions/compiled';
import { validateFunction } from '../core/functions/validate';
import { newId } from '../core/ids';
import { systemClock } from '../core/ports/clock';
import { silentLogger } from '../core/ports/logger';
import type { StateStore } from '../core/ports/state';
import { defaultRetrySettings } from '../core/run/backoff';
import type { WorkItem } from '../core/run/work-item';
import type { EngineDeps } from '../core/services/deps';
import { type ExecutorDeps, handleWorkItem } from '../core/services/executor';
import { startRunFor } from '../core/services/runner';
import { startWorker } from '../core/services/worker-loop';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { fmt, percentile } from './support/stats';

/** Throughput: RUNS chains of CHAIN no-op HTTP steps over KEYS keys, through WORKER_SLOTS executor slots. */
const KEYS = 100;
const LIMIT_PER_KEY = 50;
const CHAIN = 3;
const RUNS = 900;
const WORKER_SLOTS = 64;
const PAIRS = 5;
/** Hand-off: runs of one step of STEP_MS under concurrency 1, all queued at once. */
const HANDOFF_RUNS = 300;
const STEP_MS = 5;

interface Span {
  start: number;
  end: number;
}

/** A step endpoint that answers after `delayMs` and keeps when each request came and when its answer went. */
async function startStepServer(delayMs: number): Promise<{ url: string; spans: Span[]; whenDone(total: number): Promise<void>; close(): Promise<void> }> {
  const spans: Span[] = [];
  const waiters: { total: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const start = performance.now();
    req.resume();
    req.on('end', () => {
      const answer = (): void => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        spans.push({ start, end: performance.now() });
        for (let i = waiters.length - 1; i >= 0; i -= 1) if (spans.length >= waiters[i]!.total) waiters.splice(i, 1)[0]!.resolve();
      };
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    whenDone: (total) => (spans.length >= total ? Promise.resolve() : new Promise((resolve) => waiters.push({ total, resolve }))),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function chainFunction(id: string, url: string, length: number, flow: Record<string, unknown>): CompiledFunction {
  const steps = Object.fromEntries(Array.from({ length }, (_, i) => [`s${i}`, { runtime: { type: 'http', url: `${url}/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }] }]));
  return compileFunction(validateFunction({ id, triggers: [{ event: `bench/${id}` }], steps, ...flow }, 'bench'));
}

/** The engine on `state` with a memory step queue and one executor of `slots` slots. */
function engineOn(state: StateStore, slots: number): { engine: EngineDeps; stop(): Promise<void> } {
  const queue = createMemoryQueue<WorkItem>({ name: 'bench-flow' });
  const engine: EngineDeps = { state, queue, clock: systemClock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 3_600_000, newId };
  const executor: ExecutorDeps = { ...engine, drivers: { http: createHttpDriver({}) }, owner: `bench-${newId()}`, leaseMs: 30_000 };
  const worker = startWorker({
    name: 'bench', queue, logger: silentLogger, concurrency: slots, visibilityMs: 60_000, waitMs: 20,
    handle: (message, signal) => handleWorkItem(executor, message.body, message, signal),
  });
  return {
    engine,
    async stop() {
      await worker.stop(2000);
      await queue.close();
    },
  };
}

interface Throughput {
  stepsPerSecond: number;
  /** CPU of this process and of Redis per step, µs: steadier than the rate on a shared machine. */
  cpuPerStepUs: number;
}

async function redisCpuMs(redisUrl: string): Promise<number> {
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl);
  const info = await client.info('cpu');
  await client.quit();
  const seconds = (name: string): number => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1000;
}

/** Steps per second of RUNS chains over KEYS keys, the function limited or not. */
async function throughput(redisUrl: string, flow: Record<string, unknown>): Promise<Throughput> {
  const state = createRedisStateStore({ url: redisUrl, keyPrefix: `bench-flow-${newId()}` });
  const steps = await startStepServer(0);
  const { engine, stop } = engineOn(state, WORKER_SLOTS);
  const fn = chainFunction('chain', steps.url, CHAIN, flow);
  const start = (count: number, offset: number): Promise<unknown> => Promise.all(Array.from({ length: count }, (_, i) =>
    startRunFor(engine, fn, { name: 'bench/chain', data: { key: `k${(offset + i) % KEYS}` }, id: newId(), ts: Date.now() }, { redelivered: false })));
  try {
    await start(200, 0); // warm-up: connections, scripts, JIT
    await steps.whenDone(200 * CHAIN);
    const before = steps.spans.length;
    const redisBefore = await redisCpuMs(redisUrl);
    const cpuBefore = process.cpuUsage();
    const began = performance.now();
    // Waves that keep every executor slot busy, as a steady load would.
    for (let sent = 0; sent < RUNS; sent += WORKER_SLOTS) {
      await start(Math.min(WORKER_SLOTS, RUNS - sent), sent);
      await steps.whenDone(before + (sent + Math.min(WORKER_SLOTS, RUNS - sent)) * CHAIN - WORKER_SLOTS);
    }
    await steps.whenDone(before + RUNS * CHAIN);
    const seconds = (performance.now() - began) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const redisCpu = (await redisCpuMs(redisUrl)) - redisBefore;
    return { stepsPerSecond: (RUNS * CHAIN) / seconds, cpuPerStepUs: (cpu.user + cpu.system + redisCpu * 1000) / (RUNS * CHAIN) };
  } finally {
    await stop();
    await state.close();
    await steps.close();
  }
}

/** The delay between one step's answer and the next waiting step's arrival, under concurrency 1 (every step waited for its slot). */
async function handoff(redisUrl: string): Promise<number[]> {
  const state = createRedisStateStore({ url: redisUrl, keyPrefix: `bench-handoff-${newId()}` });
  const steps = await startStepServer(STEP_MS);
  const { engine, stop } = engineOn(state, 32);
  const fn = chainFunction('one', steps.url, 1, { concurrency: [{ limit: 1 }] });
  try {
    await Promise.all(Array.from({ length: HANDOFF_RUNS }, (_, i) =>
      startRunFor(engine, fn, { name: 'bench/one', data: { i }, id: newId(), ts: Date.now() }, { redelivered: false })));
    await steps.whenDone(HANDOFF_RUNS);
    const spans = [...steps.spans].sort((a, b) => a.start - b.start);
    // The first few include the parking of the queue's first arrivals.
    return spans.slice(10).map((span, i) => span.start - spans[i + 9]!.end);
  } finally {
    await stop();
    await state.close();
    await steps.close();
  }
}

/**
 * Flow control's cost (issue 12): steps/s of chains under a concurrency limit of 50 per key over
 * 100 keys against the same work unlimited (target: at least 80%), and how soon a waiting step
 * starts once a slot frees (target: p99 under 50 ms), state on Redis.
 */
export async function benchFlowControl(): Promise<void> {
  const redis = await spawnRedisServer();
  try {
    // Alternating pairs, so that load from elsewhere on the machine falls on both sides alike.
    const pairs: { unlimited: Throughput; limited: Throughput }[] = [];
    for (let pair = 0; pair < PAIRS; pair += 1) {
      const unlimited = await throughput(redis.url, {});
      const limited = await throughput(redis.url, { concurrency: [{ limit: LIMIT_PER_KEY, key: 'event.data.key' }] });
      pairs.push({ unlimited, limited });
    }
    const gaps = (await handoff(redis.url)).concat(await handoff(redis.url));
    const ratios = pairs.map((pair) => pair.limited.stepsPerSecond / pair.unlimited.stepsPerSecond);
    const median = (values: number[]): number => percentile(values, 50);
    console.log(`\nflow control (Redis state, memory queue, ${WORKER_SLOTS} executor slots, ${RUNS} chains of ${CHAIN} no-op HTTP steps over ${KEYS} keys, ${PAIRS} alternating pairs)`);
    console.table({
      'steps/s unlimited (median)': median(pairs.map((pair) => pair.unlimited.stepsPerSecond)).toFixed(0),
      [`steps/s concurrency ${LIMIT_PER_KEY} per key (median)`]: median(pairs.map((pair) => pair.limited.stepsPerSecond)).toFixed(0),
      'limited / unlimited, each pair': `${ratios.map((ratio) => `${(ratio * 100).toFixed(0)}%`).join(' ')} (median ${(median(ratios) * 100).toFixed(0)}%; target >= 80%)`,
      'CPU per step unlimited / limited (median)': `${median(pairs.map((pair) => pair.unlimited.cpuPerStepUs)).toFixed(0)} / ${median(pairs.map((pair) => pair.limited.cpuPerStepUs)).toFixed(0)} µs`,
      'slot free -> next start p50': fmt(percentile(gaps, 50)),
      'slot free -> next start p99': `${fmt(percentile(gaps, 99))} (target < 50 ms)`,
    });
  } finally {
    await redis.stop();
  }
}

if (require.main === module) {
  benchFlowControl().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
