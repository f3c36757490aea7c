import type { StepstackEvent } from '../../core/events/event';
import type { FlowStore, SlotRequest, ThrottleRequest } from '../../core/ports/flow-store';

/** A new, empty flow store (its own key prefix or instance); `cleanup` closes what it opened. */
export type MakeFlowStore = () => Promise<{ flow: FlowStore; cleanup(): Promise<void> }>;

const T0 = 1_800_000_000_000;
const LEASE = 30_000;

let keyNumber = 0;
const uniqueKey = (label: string): string => `${label}:${process.pid}:${(keyNumber += 1)}`;
const event = (id: string, data: Record<string, unknown> = {}): StepstackEvent => ({ id, name: 'test/flow', data, ts: T0 });

function slot(key: string, id: string, patch: Partial<SlotRequest> = {}): SlotRequest {
  return { key, limit: 2, holder: `h-${id}`, until: T0 + LEASE, now: T0, waiter: { id, score: T0, body: `item-${id}` }, reserveMs: LEASE, ...patch };
}

/** The same rules for every adapter of the flow-control port (docs/decisions/004). */
export function describeFlowStoreConformance(name: string, make: MakeFlowStore): void {
  describe(`flow store conformance: ${name}`, () => {
    let flow: FlowStore;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ flow, cleanup } = await make());
    });
    afterEach(async () => {
      await cleanup();
    });

    describe('concurrency slots', () => {
      it('gives at most `limit` slots and parks the rest, arming one guard at the first lapse', async () => {
        // Prepare
        const key = uniqueKey('limit');

        // Act
        const answers = [];
        for (const id of ['a', 'b', 'c', 'd']) answers.push(await flow.acquireSlot(slot(key, id, { until: T0 + LEASE + id.charCodeAt(0) })));

        // Assess
        expect(answers.map((answer) => answer.outcome)).toEqual(['acquired', 'acquired', 'parked', 'parked']);
        expect(answers[2]).toEqual({ outcome: 'parked', woken: [], guardAt: T0 + LEASE + 'a'.charCodeAt(0) });
        expect(answers[3]).toEqual({ outcome: 'parked', woken: [] });
        expect(await flow.slotState(key, T0)).toEqual({ holders: 2, waiting: 2 });
      });

      it('wakes waiters in score order on release, reserving their slot until they come', async () => {
        // Prepare
        const key = uniqueKey('fifo');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'late', { limit: 1, waiter: { id: 'late', score: T0 + 5, body: 'item-late' } }));
        await flow.acquireSlot(slot(key, 'early', { limit: 1, waiter: { id: 'early', score: T0 + 1, body: 'item-early' } }));
        await flow.acquireSlot(slot(key, 'ahead', { limit: 1, waiter: { id: 'ahead', score: T0 - 120_000, body: 'item-ahead' } }));

        // Act
        const first = await flow.releaseSlot({ key, limit: 1, holder: 'h-a', waiterId: 'a', now: T0 + 10, reserveMs: LEASE });
        const stranger = await flow.acquireSlot(slot(key, 'stranger', { limit: 1, now: T0 + 11, waiter: { id: 'stranger', score: T0 + 11, body: 'item-stranger' } }));
        const woken = await flow.acquireSlot(slot(key, 'ahead', { limit: 1, now: T0 + 12, holder: 'h-ahead' }));
        const second = await flow.releaseSlot({ key, limit: 1, holder: 'h-ahead', waiterId: 'ahead', now: T0 + 20, reserveMs: LEASE });

        // Assess
        expect(first).toEqual(['item-ahead']);
        expect(stranger.outcome).toBe('parked');
        expect(woken.outcome).toBe('acquired');
        expect(second).toEqual(['item-early']);
        expect(await flow.slotState(key, T0 + 20)).toEqual({ holders: 1, waiting: 2 });
      });

      it('parks a waiter once however often it comes, keeping its place', async () => {
        // Prepare
        const key = uniqueKey('idempotent');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'w1', { limit: 1, waiter: { id: 'w1', score: T0 + 1, body: 'item-w1' } }));
        await flow.acquireSlot(slot(key, 'w2', { limit: 1, waiter: { id: 'w2', score: T0 + 2, body: 'item-w2' } }));

        // Act
        await flow.acquireSlot(slot(key, 'w1', { limit: 1, waiter: { id: 'w1', score: T0 + 99, body: 'item-w1' } }));
        const woken = await flow.releaseSlot({ key, limit: 1, holder: 'h-a', waiterId: 'a', now: T0 + 3, reserveMs: LEASE });

        // Assess
        expect(woken).toEqual(['item-w1']);
        expect(await flow.slotState(key, T0 + 3)).toEqual({ holders: 1, waiting: 1 });
      });

      it('brings back the slots of holders whose lease lapsed, and keeps renewed ones', async () => {
        // Prepare
        const key = uniqueKey('lapse');
        await flow.acquireSlot(slot(key, 'dead'));
        await flow.acquireSlot(slot(key, 'alive'));
        const parked = await flow.acquireSlot(slot(key, 'w'));
        const renewed = await flow.renewSlot(key, 'h-alive', T0 + 3 * LEASE);

        // Act
        const early = await flow.wakeSlots({ key, limit: 2, now: T0 + LEASE - 1, reserveMs: LEASE });
        const late = await flow.wakeSlots({ key, limit: 2, now: T0 + LEASE, reserveMs: LEASE });

        // Assess
        expect(parked).toMatchObject({ outcome: 'parked', guardAt: T0 + LEASE });
        expect(renewed).toBe(true);
        expect(early).toEqual({ woken: [], guardAt: T0 + LEASE });
        // Armed again for w's reservation: if w's item was lost, its lapse wakes w again.
        expect(late).toEqual({ woken: ['item-w'], guardAt: T0 + 2 * LEASE });
        expect(await flow.renewSlot(key, 'h-dead', T0 + 3 * LEASE)).toBe(false);
      });

      it('keeps keys independent: a flooded key does not hold back another', async () => {
        // Prepare
        const flooded = uniqueKey('flooded');
        const lone = uniqueKey('lone');
        for (let i = 0; i < 50; i += 1) await flow.acquireSlot(slot(flooded, `f${i}`, { limit: 1 }));

        // Act
        const answer = await flow.acquireSlot(slot(lone, 'lone', { limit: 1 }));

        // Assess
        expect(answer.outcome).toBe('acquired');
        expect(await flow.slotState(flooded, T0)).toEqual({ holders: 1, waiting: 49 });
      });

      it('hands a slot on to a chain\'s next step only when nobody waits for it', async () => {
        // Prepare
        const key = uniqueKey('pass');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));

        // Act
        const kept = await flow.passSlot({ key, limit: 1, from: 'h-a', to: 'h-a2', until: T0 + LEASE, now: T0, reserveMs: LEASE });
        await flow.acquireSlot(slot(key, 'w', { limit: 1 }));
        const given = await flow.passSlot({ key, limit: 1, from: 'h-a2', to: 'h-a3', until: T0 + LEASE, now: T0 + 1, reserveMs: LEASE });
        const lapsed = await flow.passSlot({ key, limit: 1, from: 'h-gone', to: 'h-x', until: T0 + LEASE, now: T0 + 2, reserveMs: LEASE });

        // Assess
        expect(kept).toEqual({ kept: true });
        expect(given).toEqual({ kept: false, woken: ['item-w'] });
        expect(lapsed).toEqual({ kept: false, woken: [] });
        expect(await flow.slotState(key, T0 + 2)).toEqual({ holders: 1, waiting: 0 });
      });

      it('lets a release free the reservation of a waiter that never came', async () => {
        // Prepare
        const key = uniqueKey('reservation');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'w', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'x', { limit: 1, waiter: { id: 'x', score: T0 + 1, body: 'item-x' } }));
        await flow.releaseSlot({ key, limit: 1, holder: 'h-a', waiterId: 'a', now: T0, reserveMs: LEASE });

        // Act
        const woken = await flow.releaseSlot({ key, limit: 1, holder: 'h-w', waiterId: 'w', now: T0 + 1, reserveMs: LEASE });

        // Assess
        expect(woken).toEqual(['item-x']);
      });

      it('puts a woken waiter whose reservation lapsed unclaimed back in line, in its place, to be woken again', async () => {
        // Prepare: w is woken, and its item is lost with the process that took it out of the line
        const key = uniqueKey('lost-wake');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'w', { limit: 1, waiter: { id: 'w', score: T0 + 1, body: 'item-w' } }));
        await flow.acquireSlot(slot(key, 'x', { limit: 1, waiter: { id: 'x', score: T0 + 2, body: 'item-x' } }));
        const firstWake = await flow.releaseSlot({ key, limit: 1, holder: 'h-a', waiterId: 'a', now: T0 + 10, reserveMs: LEASE });
        await flow.acquireSlot(slot(key, 'y', { limit: 1, now: T0 + 20, waiter: { id: 'y', score: T0 + 20, body: 'item-y' } }));
        const lapse = T0 + 10 + LEASE;

        // Act
        const beforeLapse = await flow.wakeSlots({ key, limit: 1, now: lapse - 1, reserveMs: LEASE });
        const atLapse = await flow.wakeSlots({ key, limit: 1, now: lapse, reserveMs: LEASE });
        const claimed = await flow.acquireSlot(slot(key, 'w', { limit: 1, now: lapse + 5, holder: 'h-w', waiter: { id: 'w', score: T0 + 1, body: 'item-w' } }));
        const afterClaim = await flow.releaseSlot({ key, limit: 1, holder: 'h-w', waiterId: 'w', now: lapse + 10, reserveMs: LEASE });

        // Assess
        expect(firstWake).toEqual(['item-w']);
        expect(beforeLapse.woken).toEqual([]);
        expect(atLapse.woken).toEqual(['item-w']);
        expect(claimed.outcome).toBe('acquired');
        expect(afterClaim).toEqual(['item-x']);
        expect(await flow.slotState(key, lapse + 10)).toEqual({ holders: 1, waiting: 1 });
      });

      it('keeps a guard armed for a woken waiter that has not claimed its slot, though nobody waits in line', async () => {
        // Prepare
        const key = uniqueKey('woken-guard');
        await flow.acquireSlot(slot(key, 'a', { limit: 1 }));
        await flow.acquireSlot(slot(key, 'w', { limit: 1 }));
        await flow.releaseSlot({ key, limit: 1, holder: 'h-a', waiterId: 'a', now: T0 + 10, reserveMs: LEASE });

        // Act: the guard armed when w parked comes (at a's lapse)
        const guard = await flow.wakeSlots({ key, limit: 1, now: T0 + LEASE + 1, reserveMs: LEASE });
        const again = await flow.wakeSlots({ key, limit: 1, now: T0 + 10 + LEASE, reserveMs: LEASE });

        // Assess: armed again for w's reservation, whose lapse wakes w again
        expect(guard).toEqual({ woken: [], guardAt: T0 + 10 + LEASE });
        expect(again.woken).toEqual(['item-w']);
      });
    });

    describe('throttle (GCRA with a waiting line)', () => {
      const gcra = { emissionMs: 400, toleranceMs: 400, leadMs: 0 };
      const start = (key: string, id: string, now: number, patch: Partial<ThrottleRequest> = {}) =>
        flow.throttleStart({ key, now, ...gcra, waiter: { id, score: now, body: `run-${id}` }, ...patch });
      const wake = (key: string, now: number, patch: Partial<ThrottleRequest> & { at?: number; again?: boolean } = {}) => flow.wakeThrottle({ key, now, at: now, ...gcra, again: false, ...patch });

      it('starts burst + 1 at once from idle, then releases the line one per emission interval, each at its turn', async () => {
        // Prepare
        const key = uniqueKey('throttle');
        const arrivals = [];
        for (const id of ['a', 'b', 'c', 'd', 'e']) arrivals.push(await start(key, id, T0));

        // Act
        const early = await wake(key, T0 + 399);
        const wakes = [await wake(key, T0 + 400), await wake(key, T0 + 800), await wake(key, T0 + 1200)];
        const afterEmpty = [await start(key, 'f', T0 + 1200), await start(key, 'g', T0 + 1200)];
        const waiting = await flow.throttleWaiting(key);
        const rest = [await wake(key, T0 + 1600), await wake(key, T0 + 2000)];
        const afterIdle = await start(key, 'h', T0 + 10_000);

        // Assess
        expect(arrivals).toEqual([{ startAt: T0 }, { startAt: T0 }, { wakeAt: T0 + 400 }, {}, {}]);
        expect(early).toEqual({ released: [] });
        expect(wakes).toEqual([
          { released: [{ body: 'run-c', startAt: T0 + 400 }], wakeAt: T0 + 800 },
          { released: [{ body: 'run-d', startAt: T0 + 800 }], wakeAt: T0 + 1200 },
          { released: [{ body: 'run-e', startAt: T0 + 1200 }] },
        ]);
        // The line emptied: the next to wait arms the timer again.
        expect(afterEmpty).toEqual([{ wakeAt: T0 + 1600 }, {}]);
        expect(waiting).toBe(2);
        expect(rest).toEqual([{ released: [{ body: 'run-f', startAt: T0 + 1600 }], wakeAt: T0 + 2000 }, { released: [{ body: 'run-g', startAt: T0 + 2000 }] }]);
        expect(afterIdle).toEqual({ startAt: T0 + 10_000 });
      });

      it('releases a start up to leadMs before its turn, with its turn as start time', async () => {
        // Prepare
        const key = uniqueKey('throttle-lead');
        const arrivals = [];
        for (const id of ['a', 'b', 'c', 'd', 'e']) arrivals.push(await start(key, id, T0, { leadMs: 1000 }));

        // Act
        const woken = await wake(key, T0 + 200, { leadMs: 1000 });

        // Assess
        expect(arrivals).toEqual([{ startAt: T0 }, { startAt: T0 }, { startAt: T0 + 400 }, { startAt: T0 + 800 }, { wakeAt: T0 + 200 }]);
        expect(woken).toEqual({ released: [{ body: 'run-e', startAt: T0 + 1200 }] });
      });

      it('releases a later high-priority start before the earlier ones waiting, and parks each once', async () => {
        // Prepare
        const key = uniqueKey('throttle-priority');
        const slow = { emissionMs: 1000, toleranceMs: 0 };
        await start(key, 'a', T0, slow);
        await start(key, 'b', T0 + 1, slow);
        await start(key, 'c', T0 + 2, slow);
        await start(key, 'vip', T0 + 3, { ...slow, waiter: { id: 'vip', score: T0 + 3 - 120_000, body: 'run-vip' } });
        await start(key, 'c', T0 + 4, { ...slow, waiter: { id: 'c', score: T0 - 600_000, body: 'run-c' } });

        // Act
        const order = [];
        for (const at of [T0 + 1000, T0 + 2000, T0 + 3000]) order.push(...(await wake(key, at, slow)).released);

        // Assess
        expect(order).toEqual([{ body: 'run-vip', startAt: T0 + 1000 }, { body: 'run-b', startAt: T0 + 2000 }, { body: 'run-c', startAt: T0 + 3000 }]);
      });

      it('says whether a waiter still waits, with its line\'s timer to send again', async () => {
        // Prepare
        const key = uniqueKey('throttle-waiter');
        const ask = (waiterId: string, now: number) => flow.throttleWaiter({ key, now, ...gcra, waiterId });
        for (const id of ['a', 'b', 'c']) await start(key, id, T0);

        // Act
        const waiting = await ask('c', T0 + 10);
        const started = await ask('a', T0 + 10);
        await wake(key, T0 + 400);
        const released = await ask('c', T0 + 400);

        // Assess
        expect(waiting).toEqual({ waiting: true, wakeAt: T0 + 400 });
        expect(started).toEqual({ waiting: false });
        expect(released).toEqual({ waiting: false });
      });

      it('lets one timer carry on when a wake comes twice, answers the same again to a timer redelivered after a crash, and re-arms a lost one', async () => {
        // Prepare
        const key = uniqueKey('throttle-timer');
        for (const id of ['a', 'b', 'c', 'd', 'e']) await start(key, id, T0);
        await wake(key, T0 + 400);

        // Act
        const twice = await wake(key, T0 + 401, { at: T0 + 400 });
        const redelivered = await wake(key, T0 + 402, { at: T0 + 400, again: true });
        const lost = await start(key, 'f', T0 + 800 + 30_001);

        // Assess
        expect(twice).toEqual({ released: [] });
        expect(redelivered).toEqual({ released: [{ body: 'run-c', startAt: T0 + 400 }], wakeAt: T0 + 800 });
        expect(lost).toEqual({ wakeAt: T0 + 800 + 30_001 });
        expect(await flow.throttleWaiting(key)).toBe(3);
      });
    });

    describe('rate limit', () => {
      it('allows `limit` per sliding period, and the same member again', async () => {
        // Prepare
        const key = uniqueKey('rate');
        const at = (member: string, now: number) => flow.rateLimit(key, { member, limit: 3, periodMs: 60_000, now });

        // Act
        const allowed = [await at('e1', T0), await at('e2', T0 + 1), await at('e3', T0 + 2), await at('e4', T0 + 3), await at('e1', T0 + 4)];
        const later = [await at('e5', T0 + 59_999), await at('e6', T0 + 60_000)];

        // Assess
        expect(allowed).toEqual([true, true, true, false, true]);
        expect(later).toEqual([false, true]);
      });
    });

    describe('singleton', () => {
      it('swaps the holder only from the one expected', async () => {
        // Prepare
        const key = uniqueKey('singleton');

        // Act
        const first = await flow.swapSingleton(key, { expected: undefined, runId: 'r1', now: T0, ttlMs: 60_000 });
        const lost = await flow.swapSingleton(key, { expected: undefined, runId: 'r2', now: T0, ttlMs: 60_000 });
        const next = await flow.swapSingleton(key, { expected: 'r1', runId: 'r3', now: T0 + 5, ttlMs: 60_000 });

        // Assess
        expect([first, lost, next]).toEqual([true, false, true]);
        expect(await flow.singletonHolder(key)).toEqual({ runId: 'r3', since: T0 + 5 });
      });
    });

    describe('debounce', () => {
      it('keeps the last event, restarting the period, capped by the timeout since the first', async () => {
        // Prepare
        const key = uniqueKey('debounce');
        const request = { periodMs: 1000, timeoutMs: 2500, ttlMs: 60_000 };

        // Act
        const a = await flow.debounce(key, { ...request, event: event('a'), order: '1', now: T0 });
        const b = await flow.debounce(key, { ...request, event: event('b'), order: '2', now: T0 + 900 });
        const c = await flow.debounce(key, { ...request, event: event('c'), order: '3', now: T0 + 1800 });
        const stale = await flow.takeDebounced(key, 'b', T0 + 2500);
        const early = await flow.takeDebounced(key, 'c', T0 + 2499);
        const taken = await flow.takeDebounced(key, 'c', T0 + 2500);

        // Assess
        expect(a).toEqual({ dueAt: T0 + 1000, pending: 'a' });
        expect(b).toEqual({ dueAt: T0 + 1900, pending: 'b', replaced: 'a' });
        expect(c).toEqual({ dueAt: T0 + 2500, pending: 'c', replaced: 'b' });
        expect(stale).toBeUndefined();
        expect(early).toBeUndefined();
        expect(taken?.id).toBe('c');
        expect(await flow.takeDebounced(key, 'c', T0 + 2500)).toBeUndefined();
      });

      it('keeps the pending event when a later-arriving one is older by arrival order, still restarting the period', async () => {
        // Prepare
        const key = uniqueKey('debounce-order');
        const request = { periodMs: 1000, ttlMs: 60_000 };

        // Act
        await flow.debounce(key, { ...request, event: event('newer'), order: '2', now: T0 });
        const older = await flow.debounce(key, { ...request, event: event('older'), order: '1', now: T0 + 500 });
        const again = await flow.debounce(key, { ...request, event: event('newer'), order: '2', now: T0 + 600 });

        // Assess
        expect(older).toEqual({ dueAt: T0 + 1500, pending: 'newer', replaced: 'older' });
        expect(again).toEqual({ dueAt: T0 + 1600, pending: 'newer' });
        expect((await flow.takeDebounced(key, 'newer', T0 + 1600))?.id).toBe('newer');
      });
    });

    describe('batches', () => {
      const KEEP = 24 * 3_600_000;
      const adder = (key: string, maxSize = 3) => (id: string, batchId: string, now = T0) => flow.addToBatch(key, { event: event(id), batchId, maxSize, ttlMs: 60_000, keepMs: KEEP, now });
      const ids = (events: StepstackEvent[] | undefined) => events?.map((e) => e.id);

      it('collects events in order (once each), hands over a full batch at once, and a partial one by its id', async () => {
        // Prepare
        const key = uniqueKey('batch');
        const add = adder(key);

        // Act
        const first = await add('e1', 'b1');
        await add('e1', 'b-dup');
        await add('e2', 'b2');
        const full = await add('e3', 'b3');
        const opened = await add('e4', 'b4');
        const wrong = await flow.takeBatch(key, { batchId: 'b1', keepMs: KEEP, now: T0 });
        const partial = await flow.takeBatch(key, { batchId: 'b4', keepMs: KEEP, now: T0 });

        // Assess
        expect(first).toEqual({ batchId: 'b1', opened: true });
        expect(full).toMatchObject({ batchId: 'b1', opened: false });
        expect(full.again).toBeUndefined();
        expect(ids(full.full)).toEqual(['e1', 'e2', 'e3']);
        expect(opened).toEqual({ batchId: 'b4', opened: true });
        expect(ids(wrong?.events)).toEqual(['e1', 'e2', 'e3']);
        expect(wrong?.again).toBe(true);
        expect(partial).toEqual({ events: [event('e4')], again: false });
      });

      it('answers a full batch again, the same, for any of its events that comes again until released', async () => {
        // Prepare
        const key = uniqueKey('batch-again');
        const add = adder(key);
        for (const id of ['e1', 'e2', 'e3']) await add(id, `b-${id}`);

        // Act
        const again = [await add('e3', 'x1', T0 + 10), await add('e1', 'x2', T0 + 20)];
        const fresh = await add('e4', 'b-e4', T0 + 30);

        // Assess
        for (const answer of again) expect(answer).toEqual({ batchId: 'b-e1', opened: false, full: [event('e1'), event('e2'), event('e3')], again: true });
        expect(fresh).toEqual({ batchId: 'b-e4', opened: true });
      });

      it('once released (its run exists), answers its events `started`, and forgets them after keepMs', async () => {
        // Prepare
        const key = uniqueKey('batch-release');
        const add = adder(key, 2);
        await add('e1', 'b1');
        await add('e2', 'b2');

        // Act
        await flow.releaseBatch(key, 'b1');
        const redelivered = await add('e2', 'x', T0 + 10);
        const timer = await flow.takeBatch(key, { batchId: 'b1', keepMs: KEEP, now: T0 + 10 });
        const muchLater = await add('e1', 'late', T0 + KEEP + 1);

        // Assess
        expect(redelivered).toEqual({ batchId: 'b1', opened: false, started: true });
        expect(timer).toBeUndefined();
        expect(muchLater).toEqual({ batchId: 'late', opened: true });
      });

      it('keeps a batch taken on its timeout the same way: taken again, its events answered, then released', async () => {
        // Prepare
        const key = uniqueKey('batch-timeout');
        const add = adder(key, 10);
        await add('e1', 'b1');
        await add('e2', 'b2');

        // Act
        const taken = await flow.takeBatch(key, { batchId: 'b1', keepMs: KEEP, now: T0 + 1000 });
        const timerAgain = await flow.takeBatch(key, { batchId: 'b1', keepMs: KEEP, now: T0 + 1001 });
        const eventAgain = await add('e2', 'x', T0 + 1002);
        const next = await add('e3', 'b3', T0 + 1003);
        await flow.releaseBatch(key, 'b1');
        const released = [await flow.takeBatch(key, { batchId: 'b1', keepMs: KEEP, now: T0 + 1004 }), await add('e1', 'y', T0 + 1005)];

        // Assess
        expect(taken).toEqual({ events: [event('e1'), event('e2')], again: false });
        expect(timerAgain).toEqual({ events: [event('e1'), event('e2')], again: true });
        expect(eventAgain).toEqual({ batchId: 'b1', opened: false, full: [event('e1'), event('e2')], again: true });
        expect(next).toEqual({ batchId: 'b3', opened: true });
        expect(released).toEqual([undefined, { batchId: 'b1', opened: false, started: true }]);
      });

      it('keeps a run\'s events', async () => {
        // Act
        await flow.saveRunEvents('run-batch', [event('x'), event('y')], 60_000);

        // Assess
        expect((await flow.runEvents('run-batch'))?.map((e) => e.id)).toEqual(['x', 'y']);
        expect(await flow.runEvents(uniqueKey('none'))).toBeUndefined();
      });
    });

    describe('skips', () => {
      it('records why an event started no run, once per function', async () => {
        // Prepare
        const eventId = uniqueKey('skipped');

        // Act
        await flow.recordSkip(eventId, { function_id: 'f1', reason: 'rate_limited' }, 60_000);
        await flow.recordSkip(eventId, { function_id: 'f1', reason: 'rate_limited' }, 60_000);
        await flow.recordSkip(eventId, { function_id: 'f2', reason: 'idempotent' }, 60_000);

        // Assess
        expect(await flow.skipsOf(eventId)).toEqual([{ function_id: 'f1', reason: 'rate_limited' }, { function_id: 'f2', reason: 'idempotent' }]);
        expect(await flow.skipsOf(uniqueKey('none'))).toEqual([]);
      });
    });
  });
}
