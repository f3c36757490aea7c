import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { PauseRecord, StateStore } from '../../core/ports/state';
import type { RunDoc } from '../../core/run/run';

/** A clock the suite can move. */
export interface ControlledClock {
  now(): number;
  advance(ms: number): void;
}

export interface StateStoreUnderTest {
  store: StateStore;
  /**
   * The clock the store reads, when the suite may move it; without one, expiry is tested with short
   * real TTLs (the suite sleeps).
   */
  clock?: ControlledClock;
  /** Delete what the test stored and close the store; called even when a test closed the store itself. */
  cleanup(): Promise<void>;
}

/** A new, empty store (its own key prefix or instance) keeping runs for `retentionMs`. */
export type MakeStateStore = (options: { retentionMs: number }) => Promise<StateStoreUnderTest>;

const LONG_RETENTION_MS = 600_000;
const LEASE_MS = 10_000;

const definition: FunctionDefinition = {
  id: 'conformance',
  name: 'Conformance',
  triggers: [{ event: 'test/started' }],
  steps: {
    a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] },
    b: { runtime: { type: 'http', url: 'http://127.0.0.1:9/b' }, after: [{ step: 'a' }] },
  },
};

let runNumber = 0;

function newEvent(id = `event-${Date.now()}-${Math.random().toString(36).slice(2)}`): StepstackEvent {
  return { name: 'test/started', data: { plan: 'pro', nested: { list: [1, 2, null] } }, id, ts: 1_700_000_000_000, meta: { sdk: 'x' } };
}

function newRun(startedAt: number): RunDoc {
  runNumber += 1;
  const event = newEvent();
  return {
    id: `run-${runNumber}-${Math.random().toString(36).slice(2)}`,
    functionId: definition.id, functionHash: 'hash-1', eventId: event.id, event, status: 'Running', startedAt, version: 1,
    steps: {
      a: { status: 'Scheduled', attempt: 0, attempts: 0, errors: [], edges: ['fired'], async: null, dueAt: startedAt },
      b: { status: 'Pending', attempt: 0, attempts: 0, errors: [], edges: ['pending'], async: null },
    },
    pauses: {}, timers: {}, output: null,
  };
}

/** The next version of `doc`, as the engine commits it. */
function nextOf(doc: RunDoc, change: (next: RunDoc) => void = () => {}): RunDoc {
  const next = structuredClone(doc);
  next.version += 1;
  change(next);
  return next;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One behaviour for every adapter of the state port: the runner, the executor and the API rely on it.
 * Each test gets a store of its own and cleans it up.
 */
export function describeStateStoreConformance(name: string, makeStore: MakeStateStore): void {
  describe(`state store conformance: ${name}`, () => {
    const made: StateStoreUnderTest[] = [];
    let clock: ControlledClock | undefined;
    const make = async (retentionMs = LONG_RETENTION_MS): Promise<StateStore> => {
      const underTest = await makeStore({ retentionMs });
      made.push(underTest);
      clock = underTest.clock;
      return underTest.store;
    };
    const now = (): number => clock?.now() ?? Date.now();
    /** Let time pass for the store: move its clock, or wait for real. */
    const elapse = async (ms: number): Promise<void> => {
      if (clock) clock.advance(ms);
      else await sleep(ms);
    };

    afterEach(async () => {
      await Promise.all(made.splice(0).map((underTest) => underTest.cleanup()));
      clock = undefined;
    });

    describe('runs', () => {
      it('creates a run once: a second create returns false and changes nothing', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        // Act
        const first = await store.createRun(doc, definition);
        const second = await store.createRun({ ...doc, status: 'Failed', reason: 'other' }, { ...definition, name: 'other' });
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect([first, second]).toEqual([true, false]);
        expect(loaded).toEqual({ doc, outputs: {}, definition, leases: {} });
      });

      it('loads nothing for a run that does not exist', async () => {
        // Prepare
        const store = await make();
        // Act
        const loaded = await store.loadRun('no-such-run');
        // Assess
        expect(loaded).toBeUndefined();
      });

      it('keeps copies: changing what went in or came out changes nothing stored', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        // Act
        doc.status = 'Cancelled';
        const loaded = await store.loadRun(doc.id);
        loaded!.doc.steps.a!.status = 'Failed';
        loaded!.definition.name = 'changed';
        const again = await store.loadRun(doc.id);
        // Assess
        expect(again!.doc.status).toBe('Running');
        expect(again!.doc.steps.a!.status).toBe('Scheduled');
        expect(again!.definition.name).toBe('Conformance');
      });

      it('expires a run after the retention period, counted from its last commit', async () => {
        // Prepare
        const retentionMs = 600;
        const store = await make(retentionMs);
        const doc = newRun(now());
        await store.createRun(doc, definition);
        await elapse(300);
        await store.commitRun(nextOf(doc), { a: { ok: true } });
        // Act
        await elapse(450);
        const refreshed = await store.loadRun(doc.id);
        await elapse(300);
        const expired = await store.loadRun(doc.id);
        const lease = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'w', leaseMs: LEASE_MS, now: now() });
        // Assess
        expect(refreshed?.doc.version).toBe(2);
        expect(refreshed?.outputs).toEqual({ a: { ok: true } });
        expect(expired).toBeUndefined();
        expect(lease).toEqual({ status: 'missing' });
      });
    });

    describe('leases', () => {
      it('leases a step and returns the run, its outputs, definition and live leases in the same call', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        await store.commitRun(nextOf(doc), { a: { body: 'hi' } });
        const at = now();
        // Act
        const lease = await store.leaseStep({ runId: doc.id, stepId: 'b', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Assess
        expect(lease).toEqual({
          status: 'leased',
          run: { doc: nextOf(doc), outputs: { a: { body: 'hi' } }, definition, leases: { b: at + LEASE_MS } },
        });
      });

      it('answers busy, with the end of the lease, while another owner holds it', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Act
        const other = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at + 1 });
        const otherStep = await store.leaseStep({ runId: doc.id, stepId: 'b', owner: 'worker-2', leaseMs: LEASE_MS, now: at + 1 });
        // Assess
        expect(other).toEqual({ status: 'busy', until: at + LEASE_MS });
        expect(otherStep.status).toBe('leased');
      });

      it('lets the same owner lease again, which renews the lease', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Act
        const again = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at + 5000 });
        const other = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at + LEASE_MS + 1 });
        // Assess
        expect(again.status).toBe('leased');
        expect(again.status === 'leased' && again.run.leases).toEqual({ a: at + 5000 + LEASE_MS });
        expect(other).toEqual({ status: 'busy', until: at + 5000 + LEASE_MS });
      });

      it('lets another owner take a lease that expired', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: 1000, now: at });
        // Act
        const taken = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at + 1000 });
        const first = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at + 1001 });
        // Assess
        expect(taken.status).toBe('leased');
        expect(first).toEqual({ status: 'busy', until: at + 1000 + LEASE_MS });
      });

      it('answers missing for a run that does not exist', async () => {
        // Prepare
        const store = await make();
        // Act
        const lease = await store.leaseStep({ runId: 'no-such-run', stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: now() });
        // Assess
        expect(lease).toEqual({ status: 'missing' });
      });

      it('renews a lease only for the owner that holds it, and only while it holds it', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: 1000, now: at });
        // Act
        const byOther = await store.renewLease({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at + 500 });
        const byOwner = await store.renewLease({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at + 500 });
        const busy = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at + 2000 });
        const afterExpiry = await store.renewLease({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at + 500 + LEASE_MS });
        const onMissingRun = await store.renewLease({ runId: 'no-such-run', stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Assess
        expect([byOther, byOwner, afterExpiry, onMissingRun]).toEqual([false, true, false, false]);
        expect(busy).toEqual({ status: 'busy', until: at + 500 + LEASE_MS });
      });

      it('releases a lease only for the owner that holds it', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Act
        await store.releaseLease(doc.id, 'a', 'worker-2');
        const stillHeld = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        await store.releaseLease(doc.id, 'a', 'worker-1');
        const loaded = await store.loadRun(doc.id);
        const free = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        await store.releaseLease('no-such-run', 'a', 'worker-1');
        // Assess
        expect(stillHeld.status).toBe('busy');
        expect(loaded!.leases).toEqual({});
        expect(free.status).toBe('leased');
      });

      it('shows only live leases when loading a run', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS * 10, now: at });
        await store.leaseStep({ runId: doc.id, stepId: 'b', owner: 'worker-1', leaseMs: 1, now: at - 1000 });
        // Act
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect(loaded!.leases).toEqual({ a: at + LEASE_MS * 10 });
      });
    });

    describe('commits', () => {
      it('commits the next version: saves the doc and the outputs and releases the owner\'s lease', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        const next = nextOf(doc, (run) => {
          run.steps.a!.status = 'Completed';
        });
        // Act
        const committed = await store.commitRun(next, { a: { status: 200, body: { id: 7 } } }, { stepId: 'a', owner: 'worker-1' });
        const loaded = await store.loadRun(doc.id);
        const retake = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        // Assess
        expect(committed).toBe(true);
        expect(loaded).toEqual({ doc: next, outputs: { a: { status: 200, body: { id: 7 } } }, definition, leases: {} });
        expect(retake.status).toBe('leased');
      });

      it('keeps earlier outputs and adds new ones, version after version', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const second = nextOf(doc);
        const third = nextOf(second);
        // Act
        const results = [await store.commitRun(second, { a: 1 }), await store.commitRun(third, { b: [null, 'x'] })];
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect(results).toEqual([true, true]);
        expect(loaded!.doc.version).toBe(3);
        expect(loaded!.outputs).toEqual({ a: 1, b: [null, 'x'] });
      });

      it('refuses a stale version and writes nothing of it', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        const winner = nextOf(doc);
        await store.commitRun(winner, {});
        const stale = nextOf(doc, (run) => {
          run.status = 'Failed';
        });
        // Act
        const committed = await store.commitRun(stale, { a: 'lost' }, { stepId: 'a', owner: 'worker-1' });
        const skipping = await store.commitRun(nextOf(winner, (run) => {
          run.version += 1;
        }), { a: 'lost' });
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect([committed, skipping]).toEqual([false, false]);
        expect(loaded).toEqual({ doc: winner, outputs: {}, definition, leases: { a: at + LEASE_MS } });
      });

      it('refuses a commit to a run that does not exist', async () => {
        // Prepare
        const store = await make();
        const doc = nextOf(newRun(now()));
        // Act
        const committed = await store.commitRun(doc, { a: 1 });
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect(committed).toBe(false);
        expect(loaded).toBeUndefined();
      });

      it('keeps a lease that another owner holds when committing', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Act
        const committed = await store.commitRun(nextOf(doc), {}, { stepId: 'a', owner: 'worker-2' });
        const other = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        // Assess
        expect(committed).toBe(true);
        expect(other).toEqual({ status: 'busy', until: at + LEASE_MS });
      });

      it('leases the step it schedules to the committing owner, in the same commit', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-1', leaseMs: LEASE_MS, now: at });
        // Act
        const committed = await store.commitRun(nextOf(doc), {}, { stepId: 'a', owner: 'worker-1' }, { stepId: 'b', owner: 'worker-1b', until: at + LEASE_MS });
        const other = await store.leaseStep({ runId: doc.id, stepId: 'b', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        const released = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        const holder = await store.renewLease({ runId: doc.id, stepId: 'b', owner: 'worker-1b', leaseMs: LEASE_MS, now: at });
        // Assess
        expect(committed).toBe(true);
        expect(other).toEqual({ status: 'busy', until: at + LEASE_MS });
        expect(released.status).toBe('leased');
        expect(holder).toBe(true);
      });

      it('takes no lease when its commit loses the race', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const at = now();
        // Act
        const stale = await store.commitRun({ ...nextOf(doc), version: doc.version + 5 }, {}, undefined, { stepId: 'b', owner: 'worker-1', until: at + LEASE_MS });
        const other = await store.leaseStep({ runId: doc.id, stepId: 'b', owner: 'worker-2', leaseMs: LEASE_MS, now: at });
        // Assess
        expect(stale).toBe(false);
        expect(other.status).toBe('leased');
      });

      it('lets exactly one of ten concurrent commits from the same version win', async () => {
        // Prepare
        const store = await make();
        const doc = newRun(now());
        await store.createRun(doc, definition);
        const candidates = Array.from({ length: 10 }, (_, i) => nextOf(doc, (run) => {
          run.reason = `candidate ${i}`;
        }));
        // Act
        const results = await Promise.all(candidates.map((next, i) => store.commitRun(next, { [`s${i}`]: i })));
        const loaded = await store.loadRun(doc.id);
        // Assess
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(loaded!.doc).toEqual(candidates[winner]);
        expect(loaded!.outputs).toEqual({ [`s${winner}`]: winner });
      });
    });

    describe('pauses', () => {
      const pause = (id: string, event: string, expiresAt: number): PauseRecord => ({ id, runId: `run-of-${id}`, event, expiresAt });

      it('finds pauses by event name, once per id, until removed', async () => {
        // Prepare
        const store = await make();
        const at = now();
        const first = pause('p1', 'email/opened', at + 60_000);
        const second = pause('p2', 'email/opened', Number.MAX_SAFE_INTEGER);
        await store.addPause(first);
        await store.addPause(first);
        await store.addPause(second);
        await store.addPause(pause('p3', 'email/bounced', at + 60_000));
        // Act
        const found = await store.pausesFor('email/opened', at);
        await store.removePause('email/opened', 'p1');
        await store.removePause('email/opened', 'no-such-pause');
        const afterRemove = await store.pausesFor('email/opened', at);
        const none = await store.pausesFor('nothing/waits', at);
        // Assess
        expect(found.sort((x, y) => x.id.localeCompare(y.id))).toEqual([first, second]);
        expect(afterRemove).toEqual([second]);
        expect(none).toEqual([]);
      });

      it('leaves out pauses that expired', async () => {
        // Prepare
        const store = await make();
        const at = now();
        await store.addPause(pause('soon', 'order/paid', at + 1000));
        await store.addPause(pause('later', 'order/paid', at + 5000));
        // Act
        const before = await store.pausesFor('order/paid', at + 999);
        const after = await store.pausesFor('order/paid', at + 1000);
        // Assess
        expect(before.map((found) => found.id).sort()).toEqual(['later', 'soon']);
        expect(after.map((found) => found.id)).toEqual(['later']);
      });
    });

    describe('events', () => {
      it('keeps the first event saved under an id, with every field', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        // Act
        const first = await store.saveEvent(event, 60_000);
        const second = await store.saveEvent({ ...event, name: 'test/other' }, 60_000);
        const found = await store.getEvent(event.id);
        const missing = await store.getEvent('no-such-event');
        // Assess
        expect([first, second]).toEqual([true, false]);
        expect(found).toEqual(event);
        expect(missing).toBeUndefined();
      });

      it('forgets an event after its ttl, and may keep a new one under its id then', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        await store.saveEvent(event, 200);
        // Act
        await elapse(300);
        const expired = await store.getEvent(event.id);
        const savedAgain = await store.saveEvent({ ...event, data: { again: true } }, 60_000);
        // Assess
        expect(expired).toBeUndefined();
        expect(savedAgain).toBe(true);
      });

      it('lists the runs an event started, oldest first, each once', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        // Act
        await store.linkRun(event.id, 'run-b', 60_000);
        await store.linkRun(event.id, 'run-a', 60_000);
        await store.linkRun(event.id, 'run-b', 60_000);
        await store.linkRun(event.id, 'run-c', 60_000);
        const runs = await store.runsForEvent(event.id);
        const none = await store.runsForEvent('no-such-event');
        // Assess
        expect(runs).toEqual(['run-b', 'run-a', 'run-c']);
        expect(none).toEqual([]);
      });

      it('forgets the links of an event after their ttl', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        await store.linkRun(event.id, 'run-a', 200);
        // Act
        await elapse(300);
        const runs = await store.runsForEvent(event.id);
        // Assess
        expect(runs).toEqual([]);
      });
    });

    describe('idempotency keys', () => {
      it('gives a key to the first claim and tells later claims who holds it', async () => {
        // Prepare
        const store = await make();
        // Act
        const first = await store.claimKey('run:fn:event-1', 'run-1', 60_000);
        const second = await store.claimKey('run:fn:event-1', 'run-2', 60_000);
        const other = await store.claimKey('run:fn:event-2', 'run-3', 60_000);
        // Assess
        expect([first, second, other]).toEqual(['run-1', 'run-1', 'run-3']);
      });

      it('hands out a key again once its claim expired', async () => {
        // Prepare
        const store = await make();
        await store.claimKey('cron:tick', 'first', 200);
        // Act
        await elapse(300);
        const claimed = await store.claimKey('cron:tick', 'second', 60_000);
        // Assess
        expect(claimed).toBe('second');
      });

      it('lets exactly one of ten concurrent claims win', async () => {
        // Prepare
        const store = await make();
        // Act
        const holders = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimKey('race', `value-${i}`, 60_000)));
        // Assess
        expect(new Set(holders).size).toBe(1);
        expect(holders[0]).toMatch(/^value-\d$/);
      });
    });

    describe('functions', () => {
      it('puts, replaces, gets, lists and deletes functions; the version grows on every change', async () => {
        // Prepare
        const store = await make();
        const other: FunctionDefinition = { ...definition, id: 'other', name: 'Other' };
        const versions = [await store.functionsVersion()];
        // Act
        await store.putFunction(definition);
        versions.push(await store.functionsVersion());
        await store.putFunction(other);
        versions.push(await store.functionsVersion());
        await store.putFunction({ ...definition, name: 'Renamed' });
        versions.push(await store.functionsVersion());
        const renamed = await store.getFunction(definition.id);
        const listed = await store.listFunctions();
        const deleted = await store.deleteFunction('other');
        versions.push(await store.functionsVersion());
        const deletedAgain = await store.deleteFunction('other');
        const afterDelete = await store.listFunctions();
        const missing = await store.getFunction('other');
        // Assess
        expect(renamed).toEqual({ ...definition, name: 'Renamed' });
        expect(listed.sort((x, y) => x.id.localeCompare(y.id))).toEqual([{ ...definition, name: 'Renamed' }, other]);
        expect([deleted, deletedAgain]).toEqual([true, false]);
        expect(afterDelete).toEqual([{ ...definition, name: 'Renamed' }]);
        expect(missing).toBeUndefined();
        for (let i = 1; i < versions.length; i += 1) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
      });
    });

    describe('lifecycle', () => {
      it('answers ping while open and refuses calls once closed', async () => {
        // Prepare
        const store = await make();
        // Act
        const open = store.ping();
        await open;
        await store.close();
        // Assess
        await expect(open).resolves.toBeUndefined();
        await expect(store.ping()).rejects.toThrow();
      });
    });
  });
}
