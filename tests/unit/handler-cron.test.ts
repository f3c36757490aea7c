import type { ScheduledEvent } from 'aws-lambda';
import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { FunctionCatalog } from '../../core/services/function-catalog';
import { noteCronRegistration } from '../../core/services/cron';
import * as cron from '../../lambda/cron';
import type { EngineHandlerDeps } from '../../lambda/deps';
import { defineFunction } from '../support/functions';

const scheduled = { 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-11-28T12:05:00Z' } as ScheduledEvent;

/** A clock the test moves, a function registered (and its registration noted) at `registeredIso`. */
async function makeTestDeps(registeredIso: string) {
  let now = Date.parse(registeredIso);
  const clock = { now: () => now };
  const state = createMemoryStateStore({ clock });
  const queue = createMemoryQueue<WorkItem>();
  const definition = defineFunction({ id: 'every-minute', triggers: [{ cron: '* * * * *' }] }, { ping: { after: [{ step: '$trigger' }] } });
  await noteCronRegistration(state, definition, now, 3_600_000);
  await state.putFunction(definition);
  const engine: EngineDeps = { state, queue, clock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 3_600_000, newId };
  const deps: EngineHandlerDeps = { engine, runner: { ...engine, catalog: new FunctionCatalog(state) }, logger: silentLogger, apiKey: '' };
  const seen = new Set<string>();
  /** The ticks of the runs started since the last call (a tick seen again re-sends its run's pending work: not a new run). */
  const tickTimes = async (): Promise<string[]> => {
    const items = await queue.receive({ max: 100, waitMs: 0, visibilityMs: 60_000 });
    const runIds = [...new Set(items.map((item) => item.body.runId))].filter((runId) => !seen.has(runId));
    for (const runId of runIds) seen.add(runId);
    const runs = await Promise.all(runIds.map((runId) => state.loadRun(runId)));
    return runs.map((run) => new Date(run!.event.ts).toISOString()).sort();
  };
  return { deps, queue, tickTimes, at: (iso: string) => { now = Date.parse(iso); } };
}

describe('cron handler (SPEC section 5)', () => {
  it('runs each tick once, also when invoked twice, and none from before the function was registered', async () => {
    // Prepare
    const test = await makeTestDeps('2026-11-28T12:02:30Z');
    const handler = cron.makeHandler(() => test.deps);
    test.at('2026-11-28T12:05:30Z');

    // Act
    const first = await handler(scheduled);
    await handler(scheduled);

    // Assess
    expect(first).toEqual({ from: '2026-11-28T11:55:30.000Z', to: '2026-11-28T12:05:30.000Z', functions: 1 });
    // 12:03, 12:04 and 12:05 only: the window reaches back ten minutes, but the function came at 12:02:30.
    expect(await test.tickTimes()).toEqual(['2026-11-28T12:03:00.000Z', '2026-11-28T12:04:00.000Z', '2026-11-28T12:05:00.000Z']);
  });

  it('runs the ticks missed while no runner was up once, if at most 10 minutes old', async () => {
    // Prepare
    const test = await makeTestDeps('2026-11-28T11:00:30Z');
    const handler = cron.makeHandler(() => test.deps);
    test.at('2026-11-28T11:01:30Z');
    await handler(scheduled);
    await test.tickTimes();

    // Act: no invocation from 11:01:30 to 11:20:30
    test.at('2026-11-28T11:20:30Z');
    await handler(scheduled);

    // Assess: 11:11 to 11:20 run; 11:02 to 11:10 were more than ten minutes old.
    expect(await test.tickTimes()).toEqual(Array.from({ length: 10 }, (_, index) => `2026-11-28T11:${String(11 + index)}:00.000Z`));
  });

  it('treats a trigger the cron service sees first as registered then, when nobody noted it', async () => {
    // Prepare
    const test = await makeTestDeps('2026-11-28T12:00:30Z');
    await test.deps.engine.state.putFunction(defineFunction({ id: 'unnoted', triggers: [{ cron: '* * * * *' }] }, { ping: { after: [{ step: '$trigger' }] } }));
    const handler = cron.makeHandler(() => test.deps);
    test.at('2026-11-28T12:05:30Z');

    // Act
    await handler(scheduled);
    const unnotedFirst = (await test.tickTimes()).length;
    test.at('2026-11-28T12:06:30Z');
    await handler(scheduled);

    // Assess: every-minute ran 12:01-12:05 (5); unnoted none at first sight, then 12:06 with every-minute's 12:06.
    expect(unnotedFirst).toBe(5);
    expect(await test.tickTimes()).toEqual(['2026-11-28T12:06:00.000Z', '2026-11-28T12:06:00.000Z']);
  });
});
