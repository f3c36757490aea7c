import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { createRedisStateStore } from '../../adapters/redis';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { Driver } from '../../core/ports/driver';
import { silentLogger } from '../../core/ports/logger';
import type { StateStore } from '../../core/ports/state';
import { stepItem } from '../../core/run/pending-work';
import type { WorkItem } from '../../core/run/work-item';
import { handleWorkItem } from '../../core/services/executor';
import { defineFunction } from '../support/functions';
import { harnessEnv } from '../support/harness-env';
import { plannedRun } from '../support/runs';

const LEASE_MS = 600;

/**
 * A lease lost mid-step (SPEC section 5): the executor's lease ran out (it stalled past it) and another
 * owner took the step; the next renewal answers `lost`, which aborts the driver's signal, and the
 * attempt is never committed, even when the driver answers a success after all.
 */
describe.each([
  ['memory', (): StateStore => createMemoryStateStore()],
  ['Redis', (): StateStore => createRedisStateStore({ url: harnessEnv('STEPSTACK_TEST_REDIS_URL'), keyPrefix: `lease-lost-${process.pid}-${Date.now()}` })],
])('a lease lost mid-step, on %s state', (_label, createState) => {
  let state: StateStore;

  beforeAll(() => {
    state = createState();
  });

  afterAll(async () => {
    await state?.close();
  });

  it('aborts the driver\'s signal and never commits the attempt', async () => {
    // Prepare
    const run = plannedRun(defineFunction({}, { long: { after: [{ step: '$trigger' }] } }), Date.now());
    await state.createRun(run);
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let abortedBy: unknown;
    // A driver that notices the abort yet answers a success: only the executor can keep it from committing.
    const driver: Driver = {
      type: 'http',
      run: (request) => new Promise((resolve) => {
        started();
        request.signal.addEventListener('abort', () => {
          abortedBy = request.signal.reason;
          resolve({ kind: 'success', output: { late: true } });
        }, { once: true });
      }),
    };
    const queue = createMemoryQueue<WorkItem>({ name: 'steps' });
    const deps = {
      state, queue, clock: systemClock, logger: silentLogger, retry: { baseMs: 10, maxMs: 10 }, retentionMs: 600_000, newId,
      drivers: { http: driver }, owner: 'stalled-executor', leaseMs: LEASE_MS,
    };
    const item = stepItem({ id: run.id, functionId: run.functionId, functionHash: run.functionHash }, { stepId: 'long', attempt: 0, dueAt: Date.now() });
    // Act
    const handled = handleWorkItem(deps, item, { receiveCount: 1 }, new AbortController().signal);
    await running;
    // Another executor, whose clock is past the stalled one's lease, takes the step.
    const stolenAt = Date.now() + 10 * LEASE_MS;
    const thief = await state.leaseStep({ runId: run.id, stepId: 'long', attempt: 0, owner: 'other-executor', leaseMs: 60_000, now: stolenAt });
    const disposition = await handled;
    const after = (await state.loadRun(run.id))!;
    await queue.close();
    // Assess
    expect(thief.status).toBe('leased');
    expect(String(abortedBy)).toContain('lease was lost');
    // The message comes back rather than being acknowledged: the other executor's own delivery covers the step.
    expect(disposition.kind).toBe('retry');
    expect(after.status).toBe('Running');
    expect(after.steps.long).toMatchObject({ status: 'Scheduled', attempt: 0, attempts: 0 });
    expect(after.outputs).toEqual({});
    // The other executor's lease is intact: the stalled one released nothing of it.
    expect(after.leases.long).toBe(stolenAt + 60_000);
  });
});
