import type { FunctionDefinition } from '../../core/functions/definition';
import type { AttemptCommit, CommitResult } from '../../core/ports/run-store';
import type { StateStore } from '../../core/ports/state';
import { plannedRun } from '../support/runs';

type Make = () => Promise<StateStore>;

const LEASE_MS = 10_000;

/** An SDK function as app sync registers it: one entry step, the first call of the app. */
const sdk: FunctionDefinition = {
  id: 'sdk-app-fn', name: 'SDK', triggers: [{ event: 'test/started' }],
  steps: { $sdk: { runtime: { type: 'inngest', url: 'http://127.0.0.1:9/api/inngest?fnId=app-fn&stepId=step' }, after: [{ step: '$trigger' }] } },
};

function committed(result: CommitResult | { outcome: 'exists' }): Extract<CommitResult, { outcome: 'committed' }> {
  if (result.outcome !== 'committed') throw new Error(`expected a commit, got ${result.outcome}`);
  return result;
}

const completion = (runId: string, stepId: string, now: number, output: unknown, extra: Partial<AttemptCommit> = {}): AttemptCommit => ({
  runId, stepId, attempt: 0, now, attempts: 1, errors: [], result: { kind: 'completed', output }, ...extra,
});

/** The engine resolves the edges a completion fires (the store applies them): here, edge `edge` of `$sdk/1`. */
const fires = (edge: number) => ({ edges: [{ step: '$sdk/1', edge, to: 'fired' as const }], timers: [], pauses: [] });

/**
 * Steps found while a run executes (Inngest SDK functions, docs/decisions/003): a commit adds step
 * records, completed or scheduled or waiting on edges, and the store's graph rules apply to them.
 */
export function describeRunStoreDiscovery(make: Make, now: () => number): void {
  describe('discovered steps', () => {
    it('adds completed, scheduled and fan-in steps; the fan-in is released once when its parents end', async () => {
      // Prepare
      const store = await make();
      const run = plannedRun(sdk, now());
      await store.createRun(run);
      // Act
      const found = committed(await store.commitAttempt(completion(run.id, '$sdk', now(), null, {
        discovered: [
          { id: 'charge', edges: 0, children: [], completed: { output: { type: 'data', data: { paid: true } } } },
          { id: 'a', edges: 0, children: [{ step: '$sdk/1', edge: 0 }], op: { kind: 'run', hashed: 'h-a' } },
          { id: 'b', edges: 0, children: [{ step: '$sdk/1', edge: 1 }], op: { kind: 'run', hashed: 'h-b' } },
          { id: '$sdk/1', edges: 2, children: [] },
        ],
        leaseNext: { owner: 'next', until: now() + LEASE_MS },
      })));
      const lease = await store.leaseStep({ runId: run.id, stepId: 'b', attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: now() });
      const afterA = committed(await store.commitAttempt(completion(run.id, 'a', now(), { type: 'data', data: 1 }, { changes: fires(0) })));
      const afterB = committed(await store.commitAttempt(completion(run.id, 'b', now(), { type: 'data', data: 2 }, { changes: fires(1) })));
      const loaded = await store.loadRun(run.id);
      const done = committed(await store.commitAttempt(completion(run.id, '$sdk/1', now(), { type: 'data', data: 'result' })));
      // Assess
      expect(found.status).toBe('Running');
      expect(found.leased).toMatchObject({ stepId: 'a', attempt: 0, op: { kind: 'run', hashed: 'h-a' } });
      expect(found.scheduled).toEqual([{ stepId: 'b', attempt: 0, dueAt: expect.any(Number) }]);
      expect(lease).toMatchObject({ status: 'leased', step: { op: { kind: 'run', hashed: 'h-b' } } });
      expect(afterA.scheduled).toEqual([]);
      expect(afterB.scheduled).toEqual([{ stepId: '$sdk/1', attempt: 0, dueAt: expect.any(Number) }]);
      expect(loaded?.steps.charge).toMatchObject({ status: 'Completed', attempts: 1 });
      expect(loaded?.steps.a?.op).toEqual({ kind: 'run', hashed: 'h-a' });
      expect(loaded?.outputs).toMatchObject({ charge: { type: 'data', data: { paid: true } }, a: { type: 'data', data: 1 }, b: { type: 'data', data: 2 } });
      expect(done.status).toBe('Completed');
    });

    it('schedules a discovered retry at its attempt and due time, with the errors of the try that found it', async () => {
      // Prepare
      const store = await make();
      const run = plannedRun(sdk, now());
      await store.createRun(run);
      const dueAt = now() + 5_000;
      const errors = [{ attempt: 0, message: 'boom', at: now() }];
      // Act
      const found = committed(await store.commitAttempt(completion(run.id, '$sdk', now(), null, {
        discovered: [
          { id: 'flaky', edges: 0, children: [{ step: '$sdk/1', edge: 0 }], retry: { attempt: 1, dueAt, errors }, op: { kind: 'run', hashed: 'h' } },
          { id: '$sdk/1', edges: 1, children: [] },
        ],
        leaseNext: { owner: 'next', until: now() + LEASE_MS },
      })));
      const loaded = await store.loadRun(run.id);
      const staleFirst = await store.leaseStep({ runId: run.id, stepId: 'flaky', attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: now() });
      // Assess
      expect(found.leased).toBeUndefined();
      expect(found.scheduled).toEqual([{ stepId: 'flaky', attempt: 1, dueAt }]);
      expect(loaded?.steps.flaky).toMatchObject({ status: 'Scheduled', attempt: 1, attempts: 1, errors, dueAt });
      expect(staleFirst).toEqual({ status: 'closed' });
    });

    it('leaves a step the run has alone, and adds nothing when the attempt did not complete', async () => {
      // Prepare
      const store = await make();
      const run = plannedRun(sdk, now());
      await store.createRun(run);
      committed(await store.commitAttempt(completion(run.id, '$sdk', now(), null, {
        discovered: [{ id: 'charge', edges: 0, children: [], completed: { output: { type: 'data', data: 1 } } }, { id: '$sdk/1', edges: 0, children: [] }],
      })));
      // Act
      const again = committed(await store.commitAttempt(completion(run.id, '$sdk/1', now(), null, {
        discovered: [{ id: 'charge', edges: 0, children: [], completed: { output: { type: 'data', data: 'other' } } }, { id: '$sdk/2', edges: 0, children: [] }],
      })));
      const retried = committed(await store.commitAttempt({
        runId: run.id, stepId: '$sdk/2', attempt: 0, now: now(), attempts: 1, errors: [{ attempt: 0, message: 'x', at: now() }],
        result: { kind: 'retry', retryAt: now() }, discovered: [{ id: 'ghost', edges: 0, children: [] }],
      }));
      const loaded = await store.loadRun(run.id);
      // Assess
      expect(again.scheduled).toEqual([{ stepId: '$sdk/2', attempt: 0, dueAt: expect.any(Number) }]);
      expect(retried.scheduled).toEqual([{ stepId: '$sdk/2', attempt: 1, dueAt: expect.any(Number) }]);
      expect(loaded?.outputs.charge).toEqual({ type: 'data', data: 1 });
      expect(loaded?.steps.ghost).toBeUndefined();
    });
  });
  describe('SDK apps', () => {
    it('hands a call the outputs in the order the steps completed (the SDK\'s ctx.stack), also past compact encodings', async () => {
      // Prepare: ids in reverse alphabetical order, outputs past Redis's 64-byte listpack values
      const store = await make();
      const run = plannedRun(sdk, now());
      await store.createRun(run);
      const started = now();
      const ids = Array.from({ length: 30 }, (_, k) => `s${999 - k}`);
      // Act: each call completes one step and plans the next call, 1 ms apart
      let call = '$sdk';
      for (const [k, id] of ids.entries()) {
        const next = `$sdk/${k + 1}`;
        committed(await store.commitAttempt(completion(run.id, call, started + k, null, {
          discovered: [
            { id, edges: 0, children: [], completed: { output: { type: 'data', data: `${id} `.repeat(20) } } },
            { id: next, edges: 0, children: [] },
          ],
        })));
        call = next;
      }
      const lease = await store.leaseStep({ runId: run.id, stepId: call, attempt: 0, owner: 'x', leaseMs: LEASE_MS, now: started + ids.length });
      const loaded = await store.loadRun(run.id);
      // Assess
      const codeSteps = (outputs: Record<string, unknown>): string[] => Object.keys(outputs).filter((id) => !id.startsWith('$sdk'));
      if (lease.status !== 'leased') throw new Error(`expected a lease, got ${lease.status}`);
      expect(codeSteps(lease.step.outputs)).toEqual(ids);
      expect(codeSteps(loaded!.outputs)).toEqual(ids);
    });

    it('puts, replaces, gets, lists and deletes apps', async () => {
      // Prepare
      const store = await make();
      const app = { id: 'shop', url: 'http://127.0.0.1:3000/api/inngest', functions: ['shop-a'], syncedAt: 1, sdk: 'js:v4.24.0', framework: 'nodejs' };
      // Act
      await store.putApp(app);
      await store.putApp({ id: 'other', url: 'http://127.0.0.1:3001/api/inngest', functions: [], syncedAt: 2 });
      await store.putApp({ ...app, functions: ['shop-a', 'shop-b'], syncedAt: 3 });
      const got = await store.getApp('shop');
      const listed = (await store.listApps()).map((each) => each.id).sort();
      const deleted = [await store.deleteApp('other'), await store.deleteApp('other')];
      // Assess
      expect(got).toEqual({ ...app, functions: ['shop-a', 'shop-b'], syncedAt: 3 });
      expect(listed).toEqual(['other', 'shop']);
      expect(deleted).toEqual([true, false]);
      expect(await store.getApp('other')).toBeUndefined();
    });
  });
}
