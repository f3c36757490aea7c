import type { ScheduledEvent } from 'aws-lambda';
import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { FunctionCatalog } from '../../core/services/function-catalog';
import * as cron from '../../lambda/cron';
import type { EngineHandlerDeps } from '../../lambda/deps';
import { defineFunction } from '../support/functions';

const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-28T12:05:00Z' } as ScheduledEvent;

async function makeTestDeps(nowIso: string): Promise<EngineHandlerDeps & { queue: ReturnType<typeof createMemoryQueue<WorkItem>> }> {
  const clock = { now: () => Date.parse(nowIso) };
  const state = createMemoryStateStore({ clock });
  const queue = createMemoryQueue<WorkItem>();
  await state.putFunction(defineFunction({ id: 'every-minute', triggers: [{ cron: '* * * * *' }] }, { ping: { after: [{ step: '$trigger' }] } }));
  const engine: EngineDeps = { state, queue, clock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 3_600_000, newId };
  return { engine, queue, runner: { ...engine, catalog: new FunctionCatalog(state) }, logger: silentLogger, apiKey: '' };
}

describe('cron handler', () => {
  it('starts one run per tick of the last window, and no second run when invoked twice', async () => {
    // Prepare
    const deps = await makeTestDeps('2026-11-28T12:05:30Z');
    const handler = cron.makeHandler(() => deps, 3 * 60_000);

    // Act
    const first = await handler(scheduled);
    await handler(scheduled);

    // Assess
    expect(first).toEqual({ from: '2026-11-28T12:02:30.000Z', to: '2026-11-28T12:05:30.000Z', functions: 1 });
    const items = await deps.queue.receive({ max: 10, waitMs: 0, visibilityMs: 60_000 });
    // Ticks 12:03, 12:04 and 12:05: one run each. (A tick fired again re-sends its run's pending work,
    // which the executor drops as a duplicate: at-least-once, effects once.)
    const runIds = [...new Set(items.map((item) => item.body.runId))];
    expect(runIds).toHaveLength(3);
    expect(items.every((item) => item.body.kind === 'step' && item.body.stepId === 'ping')).toBe(true);
    const runs = await Promise.all(runIds.map((runId) => deps.engine.state.loadRun(runId)));
    expect(runs.map((run) => new Date(run!.doc.event.ts).toISOString()).sort()).toEqual(['2026-11-28T12:03:00.000Z', '2026-11-28T12:04:00.000Z', '2026-11-28T12:05:00.000Z']);
  });
});
