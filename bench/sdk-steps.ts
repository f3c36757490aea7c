import { spawnRedisServer } from '../tests/harness/redis-server';
import { startSdkApp } from '../tests/support/sdk-app';
import { StackProcess } from '../tests/support/stack-process';
import { type NoopStepServer, startNoopStepServer } from './support/noop-step-server';
import { fmt, percentile } from './support/stats';

/** Hex, as the SDK's self-hosting needs. */
const SIGNING_KEY = 'signkey-bench-8f1c2e3d4b5a69788f1c2e3d4b5a69788f1c2e3d4b5a69788f1c2e3d4b5a6978';
const STEPS = 10;
const SEQUENTIAL_RUNS = 40;
const PARALLEL_RUNS = 80;
const AT_ONCE = 8;

interface Figures {
  stepsPerSecond: number;
  p50: number;
  p99: number;
}

/** Times each step.run body of each run: the gap between one body's end and the next one's start is the engine's (and SDK's) dispatch overhead. */
class SdkTimings {
  private readonly lastEnd = new Map<string, number>();
  private readonly counts = new Map<string, number>();
  readonly gaps: number[] = [];
  done = 0;
  private waiters: { total: number; resolve: () => void }[] = [];

  start(runId: string): void {
    const previous = this.lastEnd.get(runId);
    if (previous !== undefined) this.gaps.push(performance.now() - previous);
  }

  end(runId: string, step: number): void {
    this.lastEnd.set(runId, performance.now());
    // Replays never run a saved body again: count each step once.
    if ((this.counts.get(runId) ?? -1) >= step) return;
    this.counts.set(runId, step);
    this.done += 1;
    this.waiters = this.waiters.filter((waiter) => (this.done >= waiter.total ? (waiter.resolve(), false) : true));
  }

  whenDone(total: number): Promise<void> {
    if (this.done >= total) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ total, resolve }));
  }
}

/**
 * Issue 11's figures: an SDK function of 10 `step.run` calls served by a local app (inngest/node)
 * beside a file-declared function of 10 HTTP steps, on one stack (memory, then Redis): steps/s with
 * 8 runs at once, and the dispatch overhead between one step's end and the next one's start (p50,
 * p99, runs one at a time). Target: an SDK step's overhead at most 1.5x an HTTP step's.
 */
export async function benchSdkSteps(): Promise<void> {
  const redis = await spawnRedisServer({});
  try {
    const rows: [string, Figures, Figures][] = [];
    for (const [label, env] of [['memory', {}], ['Redis', { REDIS_URL: redis.url }]] as const) {
      const [http, sdk] = await measure(env);
      rows.push([label, http, sdk]);
    }
    console.log(`\nSDK steps vs HTTP steps (chains of ${STEPS}; overhead with runs one at a time, steps/s with ${AT_ONCE} at once)`);
    console.log(`  ${'backend'.padEnd(8)} ${'kind'.padEnd(6)} ${'steps/s'.padStart(8)} ${'overhead p50'.padStart(13)} ${'p99'.padStart(10)}  SDK/HTTP p50`);
    for (const [label, http, sdk] of rows) {
      console.log(`  ${label.padEnd(8)} ${'http'.padEnd(6)} ${http.stepsPerSecond.toFixed(0).padStart(8)} ${fmt(http.p50).padStart(13)} ${fmt(http.p99).padStart(10)}`);
      console.log(`  ${label.padEnd(8)} ${'sdk'.padEnd(6)} ${sdk.stepsPerSecond.toFixed(0).padStart(8)} ${fmt(sdk.p50).padStart(13)} ${fmt(sdk.p99).padStart(10)}  ${(sdk.p50 / http.p50).toFixed(2)}x`);
    }
  } finally {
    await redis.stop();
  }
}

async function measure(env: Record<string, string>): Promise<[Figures, Figures]> {
  const steps = await startNoopStepServer();
  const stack = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent', SIGNING_KEY, STEPSTACK_NAMESPACE: `bench-sdk-${Date.now()}`, ...env });
  await stack.start();
  const timings = new SdkTimings();
  const app = await startSdkApp({
    id: 'bench', stackUrl: stack.url, signingKey: SIGNING_KEY,
    functions: (inngest) => [inngest.createFunction({ id: 'chain', retries: 0, triggers: [{ event: 'bench/sdk' }] }, async ({ step, runId }) => {
      for (let i = 0; i < STEPS; i += 1) {
        await step.run(`s${i}`, () => {
          timings.start(runId);
          timings.end(runId, i);
          return i;
        });
      }
    })],
  });
  try {
    const chain = Object.fromEntries(Array.from({ length: STEPS }, (_, i) => [
      `s${i}`, { runtime: { type: 'http', url: `${steps.url}/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }] },
    ]));
    const put = await fetch(`${stack.url}/v1/functions/bench-http`, { method: 'PUT', body: JSON.stringify({ triggers: [{ event: 'bench/http' }], steps: chain }) });
    if (!put.ok) throw new Error(`PUT function: ${put.status} ${await put.text()}`);
    const synced = await fetch(`${stack.url}/v1/apps`, { method: 'POST', body: JSON.stringify({ url: app.url }) });
    if (!synced.ok) throw new Error(`sync: ${synced.status} ${await synced.text()}`);

    await runs(stack.url, 'bench/http', SEQUENTIAL_RUNS, 1, (total) => steps.whenDone(total));
    const httpGaps = steps.gaps();
    const httpSeconds = await runs(stack.url, 'bench/http', PARALLEL_RUNS, AT_ONCE, (total) => steps.whenDone(SEQUENTIAL_RUNS * STEPS + total));
    await runs(stack.url, 'bench/sdk', SEQUENTIAL_RUNS, 1, (total) => timings.whenDone(total));
    const sdkGaps = [...timings.gaps];
    const sdkSeconds = await runs(stack.url, 'bench/sdk', PARALLEL_RUNS, AT_ONCE, (total) => timings.whenDone(SEQUENTIAL_RUNS * STEPS + total));
    return [figures(httpGaps, httpSeconds), figures(sdkGaps, sdkSeconds)];
  } finally {
    await app.close();
    await stack.stop();
    await steps.close();
  }
}

const figures = (gaps: number[], seconds: number): Figures => ({ stepsPerSecond: (PARALLEL_RUNS * STEPS) / seconds, p50: percentile(gaps, 50), p99: percentile(gaps, 99) });

/** Start `count` runs, `atOnce` at a time, each batch waited for; the seconds taken. */
async function runs(url: string, name: string, count: number, atOnce: number, whenDone: NoopStepServer['whenDone']): Promise<number> {
  const started = performance.now();
  for (let sent = 0; sent < count; sent += atOnce) {
    const batch = Array.from({ length: atOnce }, () => ({ name, data: {} }));
    const answer = await fetch(`${url}/e/bench`, { method: 'POST', body: JSON.stringify(batch) });
    if (!answer.ok) throw new Error(`send: ${answer.status}`);
    await whenDone((sent + atOnce) * STEPS);
  }
  return (performance.now() - started) / 1000;
}

if (require.main === module) {
  benchSdkSteps().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
