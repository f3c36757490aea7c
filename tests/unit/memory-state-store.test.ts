import { ExpiringMap } from '../../adapters/memory/state-expiring-map';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { PlatformError } from '../../core/errors';
import type { RunDoc } from '../../core/run/run';
import { type ControlledClock, describeStateStoreConformance } from '../conformance/state-store.suite';

function manualClock(start = Date.now()): ControlledClock {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describeStateStoreConformance('memory', async ({ retentionMs }) => {
  const clock = manualClock();
  const store = createMemoryStateStore({ clock, retentionMs });
  return { store, clock, cleanup: () => store.close() };
});

describe('memory state store', () => {
  it('throws PlatformError once closed, as a store that cannot be reached', async () => {
    // Prepare
    const store = createMemoryStateStore();
    await store.close();
    // Act
    const loading = store.loadRun('any');
    // Assess
    await expect(loading).rejects.toBeInstanceOf(PlatformError);
  });

  it('leases and commits every step of a 100-step run in turn (bench/components.ts times it)', async () => {
    // Prepare
    const store = createMemoryStateStore();
    const steps = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`s${i}`, {
      status: 'Pending' as const, attempt: 0, attempts: 0, errors: [], edges: ['pending' as const], async: null,
    }]));
    let doc: RunDoc = {
      id: 'big', functionId: 'f', functionHash: 'h', eventId: 'e', event: { name: 'x', data: {}, id: 'e', ts: 0 },
      status: 'Running', startedAt: 0, version: 1, steps, pauses: {}, timers: {}, output: null,
    };
    await store.createRun(doc, { id: 'f', name: 'f', triggers: [], steps: {} });
    const rounds = 300;
    // Act
    for (let i = 0; i < rounds; i += 1) {
      const lease = await store.leaseStep({ runId: 'big', stepId: `s${i % 100}`, owner: 'w', leaseMs: 1000, now: Date.now() });
      if (lease.status !== 'leased') throw new Error(`round ${i}: ${lease.status}`);
      doc = { ...lease.run.doc, version: lease.run.doc.version + 1 };
      await store.commitRun(doc, { [`s${i % 100}`]: { i } }, { stepId: `s${i % 100}`, owner: 'w' });
    }
    // Assess
    expect((await store.loadRun('big'))!.doc.version).toBe(rounds + 1);
  });
});

describe('expiring map', () => {
  it('drops entries at their end, on read or by a sweep, and moves the end of live ones only', () => {
    // Prepare
    const map = new ExpiringMap<string, number>();
    for (let i = 0; i < 100; i += 1) map.set(`k${i}`, i, 1000);
    map.set('kept', 1, 5000);
    // Act
    const touchedLive = map.touch('kept', 9000, 999);
    const beforeEnd = map.get('k1', 999);
    const atEnd = map.get('k1', 1000);
    const touchedExpired = map.touch('k2', 9000, 1000);
    map.sweep(1000);
    // Assess
    expect([touchedLive, touchedExpired]).toEqual([true, false]);
    expect([beforeEnd, atEnd]).toEqual([1, undefined]);
    expect(map.size).toBe(1);
    expect(map.get('kept', 8999)).toBe(1);
  });
});
