import { createRedisHistoryStore } from '../adapters/redis/history';
import { createRedisStateStore } from '../adapters/redis';
import type { FunctionDefinition } from '../core/functions/definition';
import { silentLogger } from '../core/ports/logger';
import type { HistoryPosition, HistoryStore } from '../core/ports/history';
import type { RunStatus } from '../core/run/run';
import { defaultRetrySettings } from '../core/run/backoff';
import type { EngineDeps } from '../core/services/deps';
import { listRuns } from '../core/services/run-history';
import { newId } from '../core/ids';
import { spawnRedisServer } from '../tests/harness/redis-server';
import { completeStep, plannedRun } from '../tests/support/runs';
import { fmt, percentile } from './support/stats';

const RUNS = 100_000;
const FUNCTIONS = 10;
const BATCH = 500;
const QUERIES = 400;
const PAGE = 50;

const definitionOf = (n: number): FunctionDefinition => ({
  id: `fn-${n}`, name: `fn-${n}`, triggers: [{ event: `bench/${n}` }],
  steps: { a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] } },
});

/**
 * The run list (GET /v1/runs) with 100,000 runs stored on Redis, as the API serves it: the history
 * index read, then each listed run loaded and checked (listRuns). Pages of 50 filtered by function
 * and status, first pages and pages further down by cursor; target p99 under 50 ms (issue 13).
 */
export async function benchRunList(): Promise<void> {
  const redis = await spawnRedisServer();
  const state = createRedisStateStore({ url: redis.url, keyPrefix: 'bench' });
  const history = createRedisHistoryStore({ url: redis.url, keyPrefix: 'bench' });
  const deps: EngineDeps & { history: HistoryStore } = {
    state, history, queue: undefined as never, clock: { now: () => Date.now() }, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 7 * 86_400_000, newId,
  };
  try {
    console.log(`\n## Run list on Redis (${RUNS.toLocaleString('en')} runs, ${FUNCTIONS} functions, pages of ${PAGE})`);
    const definitions = Array.from({ length: FUNCTIONS }, (_, n) => definitionOf(n));
    const started = performance.now();
    const start = Date.now() - RUNS;
    for (let offset = 0; offset < RUNS; offset += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, RUNS - offset) }, async (_, i) => {
        const n = offset + i;
        const now = start + n; // one ms apart, as a busy stage starts them
        const run = plannedRun(definitions[n % FUNCTIONS]!, now, { id: newId(now) });
        await state.createRun(run);
        // 6 in 10 of each function's runs complete, 2 fail, 2 keep running
        const kind = Math.floor(n / FUNCTIONS) % 10;
        let status: RunStatus = 'Running';
        if (kind < 6) status = (await completeStep(state, run, 'a', now)).outcome === 'committed' ? 'Completed' : 'Running';
        else if (kind < 8) status = (await state.endRun({ runId: run.id, status: 'Failed', reason: 'bench', now })).outcome === 'committed' ? 'Failed' : 'Running';
        await history.noteRun({ runId: run.id, functionId: run.functionId, status, startedAt: now });
      }));
    }
    console.log(`stored in ${((performance.now() - started) / 1000).toFixed(1)} s (run, its commit and its history entry)`);

    const cases: { label: string; query: { functionId?: string; status?: RunStatus } }[] = [
      { label: 'function + status (Completed)', query: { functionId: 'fn-3', status: 'Completed' } },
      { label: 'function + status (Failed)', query: { functionId: 'fn-7', status: 'Failed' } },
      { label: 'function only', query: { functionId: 'fn-1' } },
      { label: 'no filter', query: {} },
    ];
    for (const { label, query } of cases) {
      const times: number[] = [];
      let after: HistoryPosition | null = null;
      let listed = 0;
      for (let q = 0; q < QUERIES; q += 1) {
        // Every 8th query goes back to the first page; the others follow the cursor down.
        const cursor: HistoryPosition | null = q % 8 === 0 ? null : after;
        const began = performance.now();
        const page = await listRuns(deps, { ...query, limit: PAGE, ...(cursor ? { after: cursor } : {}) });
        times.push(performance.now() - began);
        listed += page.data.length;
        if (page.data.length !== PAGE) throw new Error(`${label}: a page of ${page.data.length}, not ${PAGE}`);
        if (query.status && page.data.some((run) => run.status !== query.status)) throw new Error(`${label}: a run of another status`);
        after = page.next;
      }
      console.log(`${label.padEnd(32)} p50 ${fmt(percentile(times, 50))}  p99 ${fmt(percentile(times, 99))}  (${QUERIES} pages, ${listed} runs)`);
    }
  } finally {
    await state.close();
    await history.close();
    await redis.stop();
  }
}

if (require.main === module) {
  benchRunList().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
