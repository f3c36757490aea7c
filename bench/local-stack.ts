import autocannon from 'autocannon';
import { fmt, percentile } from './support/stats';
import { startNoopStepServer } from './support/noop-step-server';
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

    // Events: 32 keep-alive connections for 5 s, one event per request, no function listening.
    const load = await autocannon({
      url: `${stack.url}/e/bench`, method: 'POST', connections: 32, duration: 5,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench/ping', data: { n: 1 } }),
    });
    if (load.non2xx > 0 || load.errors > 0) throw new Error(`event load saw ${load.non2xx} non-2xx and ${load.errors} errors`);
    figures['events accepted/s'] = load.requests.average.toFixed(0);
    figures['event latency p50'] = `${load.latency.p50} ms`;
    figures['event latency p99'] = `${load.latency.p99} ms`;

    // Dispatch: chains of 20 no-op HTTP steps, 4 runs at a time, 200 runs.
    const chain = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [
      `s${i}`, { runtime: { type: 'http', url: `${steps.url}/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }] },
    ]));
    const put = await fetch(`${stack.url}/v1/functions/bench-chain`, { method: 'PUT', body: JSON.stringify({ triggers: [{ event: 'bench/chain' }], steps: chain }) });
    if (!put.ok) throw new Error(`PUT function: ${put.status} ${await put.text()}`);
    const runs = 200;
    const started = performance.now();
    for (let sent = 0; sent < runs; sent += 4) {
      const batch = Array.from({ length: 4 }, () => ({ name: 'bench/chain', data: {} }));
      await fetch(`${stack.url}/e/bench`, { method: 'POST', body: JSON.stringify(batch) });
      const target = (sent + 4) * 20;
      while (steps.stepsDone() < target) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const elapsed = (performance.now() - started) / 1000;
    const gaps = steps.gaps();
    figures['dispatch overhead p50'] = fmt(percentile(gaps, 50));
    figures['dispatch overhead p99'] = fmt(percentile(gaps, 99));
    figures['chain steps/s (4 runs at once)'] = ((runs * 20) / elapsed).toFixed(0);
    figures['stack peak RSS'] = `${stack.peakRssMiB().toFixed(0)} MiB`;
    console.log(`\nlocal stack (${label})`);
    for (const [name, value] of Object.entries(figures)) console.log(`  ${name.padEnd(34)} ${value}`);
    return figures;
  } finally {
    await stack.stop();
    await steps.close();
  }
}

if (require.main === module) {
  benchLocalStack().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
