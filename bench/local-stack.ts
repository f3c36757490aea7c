import autocannon from 'autocannon';
import { fmt, percentile } from './support/stats';
import { type NoopStepServer, startNoopStepServer } from './support/noop-step-server';
import { StackProcess } from '../tests/support/stack-process';

/**
 * Issue 2's figures for the local stack (`npm start` on in-memory backends, or on REDIS_URL/SQS_ENDPOINT
 * when set): events accepted per second through the Event API with p50/p99 latency, the dispatch
 * overhead between one step's end and the next one's start over chains of no-op HTTP steps, and the
 * stack's peak memory.
 */
export async function benchLocalStack(env: Record<string, string> = {}, label = 'in-memory'): Promise<Record<string, string>> {
  const steps = await startNoopStepServer();
  const stack = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent', ...env });
  await stack.start();
  try {
    const figures: Record<string, string> = {};

    // Events, saturated: 16 keep-alive connections for 5 s, one event per request, no function listening.
    const saturated = await loadEvents(stack.url, { connections: 16 });
    figures['events accepted/s (saturated)'] = saturated.requests.average.toFixed(0);
    figures['event latency p50/p99 (saturated)'] = `${saturated.latency.p50} / ${saturated.latency.p99} ms`;
    // Events at the target rate: 5,000/s offered, latency as a client sees it.
    const paced = await loadEvents(stack.url, { connections: 16, overallRate: 5000 });
    figures['events accepted/s (offered 5,000/s)'] = paced.requests.average.toFixed(0);
    figures['event latency p50/p99 (at 5,000/s)'] = `${paced.latency.p50} / ${paced.latency.p99} ms`;

    // Dispatch: chains of 20 no-op HTTP steps, one run at a time (the overhead itself), then 8 at a time (throughput).
    const chain = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [
      `s${i}`, { runtime: { type: 'http', url: `${steps.url}/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }] },
    ]));
    const put = await fetch(`${stack.url}/v1/functions/bench-chain`, { method: 'PUT', body: JSON.stringify({ triggers: [{ event: 'bench/chain' }], steps: chain }) });
    if (!put.ok) throw new Error(`PUT function: ${put.status} ${await put.text()}`);
    await runChains(stack.url, steps, { runs: 100, atOnce: 1 });
    const gaps = steps.gaps();
    figures['dispatch overhead p50'] = fmt(percentile(gaps, 50));
    figures['dispatch overhead p99'] = fmt(percentile(gaps, 99));
    const seconds = await runChains(stack.url, steps, { runs: 200, atOnce: 8 });
    figures['chain steps/s (8 runs at once)'] = ((200 * 20) / seconds).toFixed(0);
    figures['stack peak RSS'] = `${stack.peakRssMiB().toFixed(0)} MiB`;
    console.log(`\nlocal stack (${label})`);
    for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(34)} ${value}`);
    return figures;
  } finally {
    await stack.stop();
    await steps.close();
  }
}

async function loadEvents(url: string, options: { connections: number; overallRate?: number }): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `${url}/e/bench`, method: 'POST', duration: 5, ...options,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench/ping', data: { n: 1 } }),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`event load saw ${result.non2xx} non-2xx answers and ${result.errors} errors`);
  return result;
}

/** Start `runs` runs of the chain, `atOnce` at a time, and wait for all their steps; returns the seconds taken. */
async function runChains(url: string, steps: Pick<NoopStepServer, 'stepsDone' | 'whenDone'>, options: { runs: number; atOnce: number }): Promise<number> {
  const before = steps.stepsDone();
  const started = performance.now();
  for (let sent = 0; sent < options.runs; sent += options.atOnce) {
    const batch = Array.from({ length: options.atOnce }, () => ({ name: 'bench/chain', data: {} }));
    await fetch(`${url}/e/bench`, { method: 'POST', body: JSON.stringify(batch) });
    const target = before + (sent + options.atOnce) * 20;
    await steps.whenDone(target);
  }
  return (performance.now() - started) / 1000;
}

if (require.main === module) {
  benchLocalStack().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
