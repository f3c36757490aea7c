import { getEventListeners } from 'node:events';
import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import { watchLease } from '../../core/services/lease-watch';

describe('lease watch', () => {
  const state = createMemoryStateStore();
  const deps = {
    state, queue: createMemoryQueue<WorkItem>(), clock: systemClock, logger: silentLogger, retry: defaultRetrySettings,
    retentionMs: 60_000, newId, leaseMs: 60_000,
  };
  const lease = { runId: 'run-1', stepId: 'a', attempt: 0, owner: 'me' };

  afterAll(async () => {
    await deps.queue.close();
    await state.close();
  });

  it('aborts the attempt when the outer signal aborts (the worker drains), without calling it stopped', () => {
    // Prepare
    const outer = new AbortController();
    const watch = watchLease(deps, lease, outer.signal);
    // Act
    outer.abort(new Error('draining'));
    // Assess
    expect(watch.signal.aborted).toBe(true);
    expect((watch.signal.reason as Error).message).toBe('draining');
    expect(watch.stopped).toBeUndefined();
    watch.close();
  });

  it('starts aborted under an aborted outer signal, and leaves no listener on the outer signal once closed', () => {
    // Prepare
    const outer = new AbortController();
    const aborted = AbortSignal.abort(new Error('gone'));
    // Act
    const watches = Array.from({ length: 3 }, () => watchLease(deps, lease, outer.signal));
    const listening = getEventListeners(outer.signal, 'abort').length;
    for (const watch of watches) watch.close();
    const early = watchLease(deps, lease, aborted);
    early.close();
    // Assess
    expect(listening).toBe(3);
    expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
    expect(early.signal.aborted).toBe(true);
    expect(watches.every((watch) => !watch.signal.aborted)).toBe(true);
  });
});
