import { Redis } from 'ioredis';
import { MemoryPauseIndex } from '../adapters/memory/pause-index';
import { connectRedis } from '../adapters/redis/client';
import { RedisPauseIndex } from '../adapters/redis/pause-index';
import type { StepstackEvent } from '../core/events/event';
import { compileExpression } from '../core/expressions/cel';
import { planPauseMatch } from '../core/expressions/pause-match';
import type { IndexedPause, PauseIndex } from '../core/ports/pause-index';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { percentile } from './support/stats';

const us = (ms: number): string => `${(ms * 1000).toFixed(1)} µs`;

const SIZES = [100, 10_000, 100_000];
const LOOKUPS = 2000;
const CONCURRENT = 20;
const INDEX_BATCH = 1000;
const EVENT = 'order/paid';
const match = compileExpression('async.data.order == event.data.order');

/** A pause as a run waiting for `order/paid` of its own order makes it, through planPauseMatch. */
function pauseOf(i: number): IndexedPause {
  const runEvent = { name: 'order/created', data: { order: `o-${i}`, customer: `c-${i % 97}` }, id: `e-${i}`, ts: 0 };
  const { key, residual } = planPauseMatch(match, { event: runEvent, steps: {} });
  return {
    id: `01JPAUSE${String(i).padStart(10, '0')}`, runId: `01JRUN${String(i).padStart(12, '0')}`, functionId: 'checkout', kind: 'async',
    event: EVENT, expiresAt: Date.now() + 86_400_000, ...(key ? { key } : {}), ...(residual ? { residual } : {}),
  };
}

const eventFor = (i: number): StepstackEvent => ({ name: EVENT, data: { order: `o-${i}`, amount: 42 }, id: `paid-${i}`, ts: Date.now() });

async function fill(index: PauseIndex, count: number): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < count; start += INDEX_BATCH) {
    await Promise.all(Array.from({ length: Math.min(INDEX_BATCH, count - start) }, (_, i) => index.indexPause(pauseOf(start + i))));
  }
  return (performance.now() - started) / count;
}

interface LookupFigures {
  p50: number;
  p99: number;
  perSecond: number;
}

/** One event after the other (latency), then CONCURRENT at a time (throughput); each must find exactly its pause. */
async function lookups(index: PauseIndex, count: number): Promise<LookupFigures> {
  const pick = (n: number): number => (n * 7919) % count;
  const check = (found: IndexedPause[], i: number): void => {
    if (found.length !== 1 || found[0]!.key?.value !== `"o-${i}"`) throw new Error(`event ${i} found ${found.length} pauses`);
  };
  const latencies: number[] = [];
  for (let n = 0; n < LOOKUPS; n += 1) {
    const started = performance.now();
    check(await index.candidatesFor(eventFor(pick(n)), Date.now()), pick(n));
    latencies.push(performance.now() - started);
  }
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENT }, async () => {
    while (next < LOOKUPS) {
      const i = pick((next += 1));
      check(await index.candidatesFor(eventFor(i), Date.now()), i);
    }
  }));
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), perSecond: LOOKUPS / ((performance.now() - started) / 1000) };
}

async function usedMemory(admin: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
}

/** Lookup cost per event with 100, 10,000 and 100,000 keyed pauses waiting, in memory and on Redis, and Redis memory per pause. */
export async function benchPauseIndex(): Promise<void> {
  const rows: string[][] = [];
  const redis = await spawnRedisServer({});
  const admin = new Redis(redis.url);
  const client = connectRedis({ url: redis.url });
  try {
    for (const size of SIZES) {
      const memory = new MemoryPauseIndex();
      const memoryIndexing = await fill(memory, size);
      const memoryLookups = await lookups(memory, size);
      rows.push(['memory', String(size), us(memoryIndexing), us(memoryLookups.p50), us(memoryLookups.p99), memoryLookups.perSecond.toFixed(0), '']);

      await admin.flushall();
      const before = await usedMemory(admin);
      const onRedis = new RedisPauseIndex(client, `bench${size}`, (_operation, work) => work());
      const redisIndexing = await fill(onRedis, size);
      const bytesPerPause = ((await usedMemory(admin)) - before) / size;
      const redisLookups = await lookups(onRedis, size);
      rows.push(['redis', String(size), us(redisIndexing), us(redisLookups.p50), us(redisLookups.p99), redisLookups.perSecond.toFixed(0), bytesPerPause.toFixed(0)]);
    }
  } finally {
    await client.quit();
    await admin.quit();
    await redis.stop();
  }
  const unkeyed = await benchUnkeyed();
  const header = ['index', 'pauses', 'index/pause', 'lookup p50', 'lookup p99', `lookups/s (${CONCURRENT} at once)`, 'Redis bytes/pause'];
  console.log(`\npause index: one event finds its one waiting run among N keyed pauses (${LOOKUPS} events per figure; Redis on loopback)`);
  for (const row of [header, ...rows]) console.log(`  ${row.map((cell, i) => (i < 2 ? cell.padEnd(8) : cell.padStart(i === 5 ? 24 : 14))).join(' ')}`);
  console.log(`  without a key (\`${UNKEYED_MATCH.source}\`), in memory: each event reads and tests every pause of its name:`);
  for (const { count, perEventMs } of unkeyed) console.log(`    ${String(count).padStart(6)} pauses: ${us(perEventMs)} per event (lookup + CEL test of each residual)`);
}

const UNKEYED_MATCH = compileExpression('async.data.amount > event.data.limit');
const UNKEYED_SIZES = [100, 1000, 10_000];

/** The fallback: pauses whose expression has no key are all candidates, each tested with its residual. */
async function benchUnkeyed(): Promise<{ count: number; perEventMs: number }[]> {
  const figures: { count: number; perEventMs: number }[] = [];
  for (const count of UNKEYED_SIZES) {
    const index = new MemoryPauseIndex();
    for (let i = 0; i < count; i += 1) {
      const { residual } = planPauseMatch(UNKEYED_MATCH, { event: { name: 'order/created', data: { limit: i } }, steps: {} });
      await index.indexPause({ ...pauseOf(i), key: undefined, ...(residual ? { residual } : {}) });
    }
    const events = Math.max(20, 200_000 / count);
    const started = performance.now();
    for (let n = 0; n < events; n += 1) {
      const event = eventFor(n);
      const matched = (await index.candidatesFor(event, Date.now())).filter(({ residual }) =>
        residual === undefined || compileResidual(residual.source).test({ event: residual.vars.event, steps: residual.vars.steps, async: event }));
      if (matched.length !== Math.min(count, 42)) throw new Error(`${matched.length} pauses matched an amount of 42`);
    }
    figures.push({ count, perEventMs: (performance.now() - started) / events });
  }
  return figures;
}

const residuals = new Map<string, ReturnType<typeof compileExpression>>();
function compileResidual(source: string): ReturnType<typeof compileExpression> {
  let compiled = residuals.get(source);
  if (!compiled) residuals.set(source, (compiled = compileExpression(source)));
  return compiled;
}

if (require.main === module) {
  benchPauseIndex().then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
