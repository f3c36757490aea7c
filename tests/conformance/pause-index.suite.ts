import type { StepstackEvent } from '../../core/events/event';
import { FormatError } from '../../core/format';
import { type IndexedPause, PAUSE_FORMAT, type PauseIndex } from '../../core/ports/pause-index';
import { EXPIRED_DROPS_PER_CALL } from '../../core/ports/pause-record';

/** What an index still holds for one event name, to check that nothing is left behind. */
export interface PauseIndexFootprint {
  /** Pauses it knows (its id -> place map). */
  pauses: number;
  /** Entries of its expiry set (or heap). */
  expiries: number;
  /** Buckets (keyed ones and the unkeyed one) that hold at least one record. */
  buckets: number;
}

export interface PauseIndexUnderTest {
  index: PauseIndex;
  /** Overwrite the stored text of an indexed pause's record, as another release could have written it. */
  replaceRecord(eventName: string, pauseId: string, json: string): Promise<void>;
  footprint(eventName: string): Promise<PauseIndexFootprint>;
  /** Delete what the test stored and close connections. */
  cleanup(): Promise<void>;
}

export type MakePauseIndex = () => Promise<PauseIndexUnderTest>;

// Far ahead of the real clock: Redis keeps the keys of a name until its last expiry (by its own clock).
const T0 = 4_000_000_000_000;
const HOUR = 3_600_000;

let eventNumber = 0;
/** An event name no other test uses (the suite may share one Redis), with braces that a hash tag must survive. */
const freshName = (label: string): string => `test/${label}-{${(eventNumber += 1)}}-${Math.random().toString(36).slice(2, 8)}`;

function pause(id: string, event: string, extra: Partial<IndexedPause> = {}): IndexedPause {
  return { id, runId: `run-of-${id}`, functionId: 'fn', kind: 'async', event, expiresAt: T0 + HOUR, ...extra };
}

const keyed = (path: string[], value: unknown): Pick<IndexedPause, 'key'> => ({ key: { path, value: JSON.stringify(value) } });

function eventOf(name: string, data: Record<string, unknown>): StepstackEvent {
  return { name, data, id: `e-${Math.random().toString(36).slice(2)}`, ts: T0 };
}

const idsOf = (pauses: IndexedPause[]): string[] => pauses.map(({ id }) => id).sort();

/** One behaviour for every adapter of the pause index port (core/ports/pause-index.ts). */
export function describePauseIndexConformance(name: string, makeIndex: MakePauseIndex): void {
  describe(`pause index conformance: ${name}`, () => {
    const made: PauseIndexUnderTest[] = [];
    const make = async (): Promise<PauseIndexUnderTest> => {
      const underTest = await makeIndex();
      made.push(underTest);
      return underTest;
    };

    afterEach(async () => {
      await Promise.all(made.splice(0).map((underTest) => underTest.cleanup()));
    });

    it('finds a keyed pause only by the value the event holds at its path, and hands back the record as indexed', async () => {
      // Prepare
      const { index } = await make();
      const name = freshName('keyed');
      const other = freshName('other');
      const byId = pause('by-id', name, { ...keyed(['data', 'id'], 'a'), residual: { source: 'async.data.n > 1', vars: { event: { data: { x: [1, { y: null }] } } } } });
      await index.indexPause(byId);
      await index.indexPause(pause('other-id', name, keyed(['data', 'id'], 'b')));
      await index.indexPause(pause('by-user', name, keyed(['data', 'user', 'id'], 'a')));
      await index.indexPause(pause('other-name', other, keyed(['data', 'id'], 'a')));
      // Act
      const byIdOnly = await index.candidatesFor(eventOf(name, { id: 'a' }), T0);
      const both = await index.candidatesFor(eventOf(name, { id: 'a', user: { id: 'a' } }), T0);
      const none = await index.candidatesFor(eventOf(name, { id: 'c', user: 'a' }), T0);
      const unknownName = await index.candidatesFor(eventOf(freshName('nobody'), { id: 'a' }), T0);
      // Assess
      expect(byIdOnly).toEqual([byId]);
      expect(idsOf(both)).toEqual(['by-id', 'by-user']);
      expect([none, unknownName]).toEqual([[], []]);
    });

    it('compares values by their JSON text: 1 and 1.0 alike, "1", true and null apart, missing reads null', async () => {
      // Prepare
      const { index } = await make();
      const name = freshName('values');
      await index.indexPause(pause('one', name, keyed(['data', 'v'], 1)));
      await index.indexPause(pause('text-one', name, keyed(['data', 'v'], '1')));
      await index.indexPause(pause('true', name, keyed(['data', 'v'], true)));
      await index.indexPause(pause('null', name, keyed(['data', 'v'], null)));
      await index.indexPause(pause('bracket', name, keyed(['data', 'x-y'], 'z')));
      await index.indexPause(pause('long', name, keyed(['data', 'v'], 'x'.repeat(10_000))));
      const events = [{ v: 1.0 }, { v: '1' }, { v: true }, {}, { v: [1] }, { 'x-y': 'z', v: { a: 1 } }, { v: 'x'.repeat(10_000) }, { v: `${'x'.repeat(9_999)}y` }];
      // Act
      const found = await Promise.all(events.map(async (data) => idsOf(await index.candidatesFor(eventOf(name, data), T0))));
      // Assess
      expect(found).toEqual([['one'], ['text-one'], ['true'], ['null'], [], ['bracket'], ['long'], []]);
    });

    it('returns the pauses without a key for every event of their name', async () => {
      // Prepare
      const { index } = await make();
      const name = freshName('unkeyed');
      await index.indexPause(pause('any', name));
      await index.indexPause(pause('tested', name, { residual: { source: 'async.data.n > event.data.n', vars: { event: { data: { n: 2 } } } } }));
      await index.indexPause(pause('keyed', name, keyed(['data', 'id'], 'a')));
      // Act
      const found = await Promise.all([{}, { id: 'a' }, { id: 'b', n: 1 }].map(async (data) => idsOf(await index.candidatesFor(eventOf(name, data), T0))));
      // Assess
      expect(found).toEqual([['any', 'tested'], ['any', 'keyed', 'tested'], ['any', 'tested']]);
    });

    it('indexes idempotently by id, and moves a pause indexed again with another key', async () => {
      // Prepare
      const { index, footprint } = await make();
      const name = freshName('idempotent');
      const first = pause('p', name, keyed(['data', 'id'], 'a'));
      // Act
      await index.indexPause(first);
      await index.indexPause(first);
      const once = await index.candidatesFor(eventOf(name, { id: 'a' }), T0);
      const held = await footprint(name);
      await index.indexPause({ ...first, ...keyed(['data', 'id'], 'b') });
      const atOld = await index.candidatesFor(eventOf(name, { id: 'a' }), T0);
      const atNew = await index.candidatesFor(eventOf(name, { id: 'b' }), T0);
      await index.indexPause({ ...first, key: undefined });
      const unkeyed = await index.candidatesFor(eventOf(name, { id: 'c' }), T0);
      // Assess
      expect(once).toEqual([first]);
      expect(held).toEqual({ pauses: 1, expiries: 1, buckets: 1 });
      expect([idsOf(atOld), idsOf(atNew), idsOf(unkeyed)]).toEqual([[], ['p'], ['p']]);
      expect(await footprint(name)).toEqual({ pauses: 1, expiries: 1, buckets: 1 });
    });

    it('drops a pause, keyed or not, and leaves nothing of it; dropping an unknown one is a no-op', async () => {
      // Prepare
      const { index, footprint } = await make();
      const name = freshName('drop');
      await index.indexPause(pause('keyed', name, keyed(['data', 'id'], 'a')));
      await index.indexPause(pause('kept', name, keyed(['data', 'id'], 'a')));
      await index.indexPause(pause('unkeyed', name));
      // Act
      await index.dropPause(name, 'keyed');
      await index.dropPause(name, 'unkeyed');
      await index.dropPause(name, 'unkeyed');
      await index.dropPause(name, 'never-indexed');
      await index.dropPause(freshName('elsewhere'), 'kept');
      const left = await index.candidatesFor(eventOf(name, { id: 'a' }), T0);
      const heldBefore = await footprint(name);
      await index.dropPause(name, 'kept');
      // Assess
      expect(idsOf(left)).toEqual(['kept']);
      expect(heldBefore).toEqual({ pauses: 1, expiries: 1, buckets: 1 });
      expect(await footprint(name)).toEqual({ pauses: 0, expiries: 0, buckets: 0 });
    });

    it('never returns an expired pause, and drops expired entries by time: sorted set, buckets and all', async () => {
      // Prepare
      const { index, footprint } = await make();
      const name = freshName('expiry');
      await index.indexPause(pause('soon', name, { ...keyed(['data', 'id'], 'a'), expiresAt: T0 + 10 }));
      await index.indexPause(pause('soon-unkeyed', name, { expiresAt: T0 + 10 }));
      await index.indexPause(pause('later', name, { ...keyed(['data', 'id'], 'b'), expiresAt: T0 + HOUR }));
      // Act
      const before = await index.candidatesFor(eventOf(name, { id: 'a' }), T0 + 9);
      const heldBefore = await footprint(name);
      // An event of another value meets none of the expired pauses' buckets, and still drops them.
      const at = await index.candidatesFor(eventOf(name, { id: 'b' }), T0 + 10);
      const heldAfter = await footprint(name);
      const theirs = await index.candidatesFor(eventOf(name, { id: 'a' }), T0 + 10);
      // Assess
      expect(idsOf(before)).toEqual(['soon', 'soon-unkeyed']);
      expect(heldBefore).toEqual({ pauses: 3, expiries: 3, buckets: 3 });
      expect(idsOf(at)).toEqual(['later']);
      expect(heldAfter).toEqual({ pauses: 1, expiries: 1, buckets: 1 });
      expect(theirs).toEqual([]);
    });

    it(`drops at most ${EXPIRED_DROPS_PER_CALL} expired entries per call, the earliest first, and never returns the others`, async () => {
      // Prepare
      const { index, footprint } = await make();
      const name = freshName('bounded');
      const count = EXPIRED_DROPS_PER_CALL * 2 + 50;
      await Promise.all(Array.from({ length: count }, (_, i) => index.indexPause(pause(`p${i}`, name, { ...keyed(['data', 'id'], i % 2 === 0 ? 'even' : `odd-${i}`), expiresAt: T0 + i }))));
      // Act
      const first = await index.candidatesFor(eventOf(name, { id: 'even' }), T0 + count);
      const afterFirst = await footprint(name);
      const evensLeft = await index.candidatesFor(eventOf(name, { id: 'even' }), T0);
      await index.candidatesFor(eventOf(name, { id: 'none' }), T0 + count);
      await index.candidatesFor(eventOf(name, { id: 'none' }), T0 + count);
      const afterThird = await footprint(name);
      // Assess
      expect(first).toEqual([]);
      expect(afterFirst.pauses).toBe(count - EXPIRED_DROPS_PER_CALL);
      expect(afterFirst.expiries).toBe(count - EXPIRED_DROPS_PER_CALL);
      const evensFrom = (start: number): string[] => Array.from({ length: count }, (_, i) => i).filter((i) => i % 2 === 0 && i >= start).map((i) => `p${i}`).sort();
      expect(idsOf(evensLeft)).toEqual(evensFrom(EXPIRED_DROPS_PER_CALL));
      expect(afterThird).toEqual({ pauses: 0, expiries: 0, buckets: 0 });
    });

    it('keeps a pause indexed again with a later expiry: its earlier expiry drops nothing', async () => {
      // Prepare
      const { index, footprint } = await make();
      const name = freshName('retimed');
      const early = pause('p', name, { ...keyed(['data', 'id'], 'a'), expiresAt: T0 + 10 });
      await index.indexPause(early);
      await index.indexPause({ ...early, expiresAt: T0 + HOUR });
      // Act
      const found = await index.candidatesFor(eventOf(name, { id: 'a' }), T0 + 20);
      // Assess
      expect(idsOf(found)).toEqual(['p']);
      expect(await footprint(name)).toEqual({ pauses: 1, expiries: 1, buckets: 1 });
    });

    it('finds exactly the one pause an event matches among 10,000 keyed ones', async () => {
      // Prepare
      const { index } = await make();
      const name = freshName('many');
      for (let start = 0; start < 10_000; start += 1000) {
        await Promise.all(Array.from({ length: 1000 }, (_, i) => index.indexPause(pause(`p${start + i}`, name, keyed(['data', 'order'], `o-${start + i}`)))));
      }
      // Act
      const found = await index.candidatesFor(eventOf(name, { order: 'o-4321' }), T0);
      const numeric = await index.candidatesFor(eventOf(name, { order: 4321 }), T0);
      // Assess
      expect(idsOf(found)).toEqual(['p4321']);
      expect(numeric).toEqual([]);
    });

    it('refuses a record of another format with an error naming both versions, and leaves it in place', async () => {
      // Prepare
      const { index, replaceRecord, footprint } = await make();
      const name = freshName('format');
      const stored = pause('future', name, keyed(['data', 'id'], 'a'));
      await index.indexPause(stored);
      await index.indexPause(pause('unkeyed', name));
      await replaceRecord(name, 'future', JSON.stringify({ ...stored, format: PAUSE_FORMAT + 98 }));
      // Act
      const refused = await index.candidatesFor(eventOf(name, { id: 'a' }), T0).catch((error: unknown) => error);
      const elsewhere = await index.candidatesFor(eventOf(name, { id: 'b' }), T0);
      const again = await index.candidatesFor(eventOf(name, { id: 'a' }), T0).catch((error: unknown) => error);
      // Assess
      expect(refused).toBeInstanceOf(FormatError);
      expect(String(refused)).toContain(`format version ${PAUSE_FORMAT + 98}`);
      expect(String(refused)).toContain(`reads version ${PAUSE_FORMAT}`);
      expect(String(refused)).toContain('future');
      expect(idsOf(elsewhere)).toEqual(['unkeyed']);
      expect(again).toBeInstanceOf(FormatError);
      expect(await footprint(name)).toEqual({ pauses: 2, expiries: 2, buckets: 2 });
    });

    it('refuses to index a pause it could never find, naming the field', async () => {
      // Prepare
      const { index } = await make();
      const name = freshName('invalid');
      // Act
      const failures = await Promise.all([
        index.indexPause(pause('no-time', name, { expiresAt: Number.NaN })),
        index.indexPause(pause('no-path', name, { key: { path: [], value: '"a"' } })),
        index.indexPause(pause('', name)),
      ].map((call) => call.then(() => 'indexed', (error: unknown) => String(error))));
      // Assess
      expect(failures).toEqual([expect.stringContaining('expiresAt'), expect.stringContaining('key.path'), expect.stringContaining('id')]);
    });
  });
}
