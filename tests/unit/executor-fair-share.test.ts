import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { silentLogger } from '../../core/ports/logger';
import type { Driver, StepRequest } from '../../core/ports/driver';
import { systemClock } from '../../core/ports/clock';
import { newId } from '../../core/ids';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import { type ExecutorDeps, handleWorkItem } from '../../core/services/executor';
import { FairShare, deferralDelayMs } from '../../core/services/fair-share';
import { startRunFor } from '../../core/services/runner';
import { startWorker } from '../../core/services/worker-loop';
import { compile } from '../support/functions';

describe('fair share of an executor', () => {
  it('gives each function at most its share of the slots, at least one, and takes them back', () => {
    // Prepare
    const share = new FairShare(4, 0.5);
    // Act
    const taken = [share.enter('hog'), share.enter('hog'), share.enter('hog'), share.enter('other')];
    share.leave('hog');
    const again = share.enter('hog');
    // Assess
    expect(share.limit).toBe(2);
    expect(taken).toEqual([true, true, false, true]);
    expect(again).toBe(true);
    expect(new FairShare(1, 0.1).limit).toBe(1);
    expect(() => new FairShare(4, 0)).toThrow(/share/);
    expect([1, 2, 3, 10].map(deferralDelayMs)).toEqual([500, 1000, 2000, 30_000]);
  });

  it('keeps another function moving while one function hangs in every slot it may take', async () => {
    // Prepare
    const state = createMemoryStateStore();
    const queue = createMemoryQueue<WorkItem>({ name: 'steps' });
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    let hogRunning = 0;
    let hogPeak = 0;
    const driver: Driver = {
      type: 'http',
      async run(request: StepRequest) {
        if (request.input.ctx.fn_id === 'hog') {
          hogRunning += 1;
          hogPeak = Math.max(hogPeak, hogRunning);
          await hanging;
          hogRunning -= 1;
        }
        return { kind: 'success', output: { ok: request.input.ctx.fn_id } };
      },
    };
    const engine = { state, queue, clock: systemClock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 600_000, newId };
    const deps: ExecutorDeps = { ...engine, drivers: { http: driver }, owner: 'exec', leaseMs: 10_000, fairShare: new FairShare(4, 0.5) };
    const worker = startWorker({
      name: 'executor', queue, logger: silentLogger, concurrency: 4, visibilityMs: 10_000, waitMs: 50,
      handle: (message, signal) => handleWorkItem(deps, message.body, message, signal),
    });
    const hog = compile({ id: 'hog' }, { a: { after: [{ step: '$trigger' }] } });
    const other = compile({ id: 'other' }, { a: { after: [{ step: '$trigger' }] } });
    for (let i = 0; i < 6; i += 1) await startRunFor(engine, hog, { name: 'test/go', data: {}, id: `hog-${i}`, ts: 0 }, { redelivered: false });
    // Act
    const otherRun = await startRunFor(engine, other, { name: 'test/go', data: {}, id: 'other-1', ts: 0 }, { redelivered: false });
    let run = await state.loadRun(otherRun);
    for (const end = Date.now() + 5_000; run?.status === 'Running' && Date.now() < end;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      run = await state.loadRun(otherRun);
    }
    const peakWhileHanging = hogPeak;
    release();
    await worker.stop(5_000);
    await queue.close();
    // Assess
    expect(run?.status).toBe('Completed');
    expect(peakWhileHanging).toBe(2);
  });
});
