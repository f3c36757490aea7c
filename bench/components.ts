import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpDriver } from '../adapters/http-driver';
import { createMemoryQueue } from '../adapters/memory/queue';
import { createMemoryStateStore } from '../adapters/memory/state-store';
import { compileExpression } from '../core/expressions/cel';
import type { StepInput } from '../core/ports/driver';
import { compile } from '../tests/support/functions';
import { completeStep, plannedRun } from '../tests/support/runs';
import { fmt, percentile } from './support/stats';

/**
 * Figures of single components, moved out of the tests (a shared 2-core machine makes a timed
 * assertion flaky one way or vacuous the other): the memory state store's lease+commit, the memory
 * queue's wake-up and throughput, CEL evaluations, and the HTTP driver's dispatch of no-op calls.
 */
export async function benchComponents(): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  figures['memory state: lease+commit, 100-step run'] = `${(await stateStoreLeaseCommit()).toFixed(3)} ms/step (was asserted < 2 ms)`;
  const wake = await queueWakeLatencies();
  figures['memory queue: receive wake-up p50/p99'] = `${fmt(percentile(wake, 50))} / ${fmt(percentile(wake, 99))} (was asserted p50 < 2 ms)`;
  figures['memory queue: 100k send+receive+ack'] = `${(await queueThroughputMs()).toFixed(0)} ms (was asserted < 5 s)`;
  figures['CEL: 100,000 evaluations'] = `${celEvaluationsMs().toFixed(0)} ms (was asserted < 200 ms)`;
  const calls = await httpDriverNoopCalls();
  figures['HTTP driver: signed no-op call p50/p99'] = `${fmt(percentile(calls, 50))} / ${fmt(percentile(calls, 99))} (was asserted p50 < 2 ms)`;
  console.log('\ncomponents');
  for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(42)} ${value}`);
  return figures;
}

async function stateStoreLeaseCommit(): Promise<number> {
  const store = createMemoryStateStore();
  const definition = compile({}, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`s${i}`, { after: [{ step: '$trigger' }] }]))).definition;
  const rounds = 5000;
  let perStep = 0;
  for (let done = 0; done < rounds; done += 100) {
    const run = plannedRun(definition, Date.now());
    await store.createRun(run);
    const started = performance.now();
    for (let i = 0; i < 100; i += 1) {
      const stepId = `s${i}`;
      const lease = await store.leaseStep({ runId: run.id, stepId, attempt: 0, owner: 'w', leaseMs: 1000, now: Date.now() });
      if (lease.status !== 'leased') throw new Error(`step ${stepId}: ${lease.status}`);
      await completeStep(store, run, stepId, Date.now(), { i });
    }
    perStep += performance.now() - started;
  }
  await store.close();
  return perStep / rounds;
}

async function queueWakeLatencies(): Promise<number[]> {
  const queue = createMemoryQueue<number>({ name: 'latency' });
  const latencies: number[] = [];
  for (let round = 0; round < 2000; round += 1) {
    const receiving = queue.receive({ max: 1, waitMs: 5000, visibilityMs: 1000 });
    const sentAt = performance.now();
    await queue.send([{ body: round }]);
    const [message] = await receiving;
    latencies.push(performance.now() - sentAt);
    await queue.ack(message!);
  }
  await queue.close();
  return latencies;
}

async function queueThroughputMs(): Promise<number> {
  const queue = createMemoryQueue<{ n: number }>({ name: 'throughput' });
  const total = 100_000;
  const started = performance.now();
  for (let offset = 0; offset < total; offset += 10) await queue.send(Array.from({ length: 10 }, (_, index) => ({ body: { n: offset + index } })));
  let received = 0;
  for (;;) {
    const messages = await queue.receive({ max: 10, waitMs: 0, visibilityMs: 60_000 });
    if (messages.length === 0) break;
    received += messages.length;
    await Promise.all(messages.map((message) => queue.ack(message)));
  }
  const elapsed = performance.now() - started;
  await queue.close();
  if (received !== total) throw new Error(`received ${received} of ${total}`);
  return elapsed;
}

function celEvaluationsMs(): number {
  const expression = compileExpression("event.data.plan == 'pro' && event.data.n > 2");
  const input = { event: { name: 'user/signed.up', data: { plan: 'pro', n: 3 } }, steps: {}, async: null };
  for (let i = 0; i < 2000; i++) expression.test(input);
  const started = performance.now();
  let hits = 0;
  for (let i = 0; i < 100_000; i++) if (expression.test(input)) hits++;
  const elapsed = performance.now() - started;
  if (hits !== 100_000) throw new Error(`CEL matched ${hits} of 100,000`);
  return elapsed;
}

async function httpDriverNoopCalls(): Promise<number[]> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/noop`;
  const http = createHttpDriver({ signingKey: 'bench-signing-key' });
  const input: StepInput = {
    event: { id: '01JD0000000000000000000000', name: 'app/user.created', data: { email: 'ada@example.com' }, ts: 1_700_000_000_000 } as unknown as StepInput['event'],
    steps: {}, async: null, ctx: { fn_id: 'fn-1', step_id: 'step-1', run_id: 'run-1', attempt: 0 },
  };
  const call = () => http.run({ input, runtime: { type: 'http', url }, timeoutMs: 5000, signal: new AbortController().signal });
  for (let i = 0; i < 50; i += 1) await call();
  const durations: number[] = [];
  for (let i = 0; i < 2000; i += 1) {
    const started = performance.now();
    await call();
    durations.push(performance.now() - started);
  }
  http.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return durations;
}

if (require.main === module) {
  benchComponents().then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
