import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { StateStore } from '../../core/ports/state';
import { describeRunStoreDiscovery } from './run-store-discovery.suite';
import { describeDeadEvents, describeRunStoreConformance } from './run-store.suite';

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
  /** Rewrite the format version of a stored run (to test the refusal of unknown formats). */
  writeRunFormat?(runId: string, format: number): Promise<void>;
  /** Delete what the test stored and close the store; called even when a test closed the store itself. */
  cleanup(): Promise<void>;
}

/** A new, empty store (its own key prefix or instance) keeping runs for `retentionMs`. */
export type MakeStateStore = (options: { retentionMs: number }) => Promise<StateStoreUnderTest>;

const LONG_RETENTION_MS = 600_000;

const definition: FunctionDefinition = {
  id: 'conformance',
  name: 'Conformance',
  triggers: [{ event: 'test/started' }],
  steps: {
    a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] },
    b: { runtime: { type: 'http', url: 'http://127.0.0.1:9/b' }, after: [{ step: 'a' }] },
  },
};

function newEvent(id = `event-${Date.now()}-${Math.random().toString(36).slice(2)}`): StepstackEvent {
  return { name: 'test/started', data: { plan: 'pro', nested: { list: [1, 2, null] } }, id, ts: 1_700_000_000_000, meta: { sdk: 'x' } };
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
    let lastMade: StateStoreUnderTest | undefined;
    const make = async (retentionMs = LONG_RETENTION_MS): Promise<StateStore> => {
      const underTest = await makeStore({ retentionMs });
      made.push(underTest);
      lastMade = underTest;
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

    describeRunStoreConformance(make, now, elapse, () => lastMade?.writeRunFormat?.bind(lastMade));
    describeDeadEvents(make, now);
    describeRunStoreDiscovery(() => make(), now);

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

      it('claims the run an event starts and links the event to the holder once, apart from claimKey', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        const claim = { eventId: event.id, key: `run:fn:${event.id}`, ttlMs: 60_000, linkTtlMs: 60_000 };
        // Act
        const first = await store.claimRun({ ...claim, runId: 'run-1' });
        const again = await store.claimRun({ ...claim, runId: 'run-2' });
        const otherFunction = await store.claimRun({ ...claim, key: `run:other:${event.id}`, runId: 'run-3' });
        const plainClaim = await store.claimKey(claim.key, 'plain', 60_000);
        const runs = await store.runsForEvent(event.id);
        // Assess
        expect([first, again, otherFunction, plainClaim]).toEqual(['run-1', 'run-1', 'run-3', 'plain']);
        expect(runs).toEqual(['run-1', 'run-3']);
      });

      it('lets one of ten concurrent run claims win, linked once', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        // Act
        const holders = await Promise.all(Array.from({ length: 10 }, (_, i) => store.claimRun({
          eventId: event.id, key: `run:fn:${event.id}`, runId: `run-${i}`, ttlMs: 60_000, linkTtlMs: 60_000,
        })));
        const runs = await store.runsForEvent(event.id);
        // Assess
        expect(new Set(holders).size).toBe(1);
        expect(runs).toEqual([holders[0]]);
      });

      it('hands out a run claim again once it expired, keeping the link of the first', async () => {
        // Prepare
        const store = await make();
        const event = newEvent();
        const claim = { eventId: event.id, key: `run:fn:${event.id}`, linkTtlMs: 60_000 };
        await store.claimRun({ ...claim, runId: 'run-1', ttlMs: 200 });
        // Act
        await elapse(300);
        const later = await store.claimRun({ ...claim, runId: 'run-2', ttlMs: 60_000 });
        const runs = await store.runsForEvent(event.id);
        // Assess
        expect(later).toBe('run-2');
        expect(runs).toEqual(['run-1', 'run-2']);
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
