import { getEventListeners } from 'node:events';
import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import type { StateStore } from '../../core/ports/state';
import { watchLease, watchLeases } from '../../core/services/lease-watch';

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

  describe('across a chain of steps', () => {
    /** Renewals answered by the test: each call waits for `answer`. */
    function renewals(): { deps: typeof deps; calls: string[]; answer(value: 'renewed' | 'lost' | 'ended'): void } {
      const calls: string[] = [];
      const pending: ((value: 'renewed' | 'lost' | 'ended') => void)[] = [];
      const stubbed = Object.create(state) as StateStore;
      stubbed.renewLease = (request) => {
        calls.push(request.stepId);
        return new Promise((resolve) => pending.push(resolve));
      };
      return { deps: { ...deps, state: stubbed, leaseMs: 60 }, calls, answer: (value) => pending.shift()?.(value) };
    }
    const until = async (condition: () => boolean): Promise<void> => {
      while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
    };

    it('renews the step being watched, and a late answer about an earlier step does not stop the next one', async () => {
      // Prepare
      const outer = new AbortController();
      const renewal = renewals();
      const watcher = watchLeases(renewal.deps, outer.signal);
      const first = watcher.watch({ ...lease, stepId: 'a' });
      await until(() => renewal.calls.length === 1);
      first.close();
      const second = watcher.watch({ ...lease, stepId: 'b' });
      // Act
      renewal.answer('lost'); // about 'a', which has ended
      await until(() => renewal.calls.length === 2);
      // Assess
      expect(renewal.calls).toEqual(['a', 'b']);
      expect(second.signal).toBe(first.signal);
      expect(second.stopped).toBeUndefined();
      expect(second.signal.aborted).toBe(false);
      renewal.answer('ended');
      await until(() => second.stopped !== undefined);
      expect(second.stopped).toBe('ended');
      expect(second.signal.aborted).toBe(true);
      second.close();
      watcher.close();
    });

    it('gives the step after a stopped one a signal that is not aborted, refuses two watches at once, and leaves the outer signal on close', async () => {
      // Prepare
      const outer = new AbortController();
      const renewal = renewals();
      const watcher = watchLeases(renewal.deps, outer.signal);
      const first = watcher.watch({ ...lease, stepId: 'a' });
      await until(() => renewal.calls.length === 1);
      renewal.answer('lost');
      await until(() => first.stopped !== undefined);
      // Act
      first.close();
      const second = watcher.watch({ ...lease, stepId: 'b' });
      const twice = (): unknown => watcher.watch({ ...lease, stepId: 'c' });
      // Assess
      expect(first.signal.aborted).toBe(true);
      expect(second.signal.aborted).toBe(false);
      expect(twice).toThrow("lease of step 'b' still watched");
      outer.abort(new Error('draining'));
      expect(second.signal.aborted).toBe(true);
      second.close();
      watcher.close();
      expect(getEventListeners(outer.signal, 'abort')).toHaveLength(0);
    });
  });
});
