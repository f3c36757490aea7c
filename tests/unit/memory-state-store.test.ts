import { ExpiringMap } from '../../adapters/memory/state-expiring-map';
import { createMemoryStateStore, writeMemoryRunFormat } from '../../adapters/memory/state-store';
import { PlatformError } from '../../core/errors';
import { type ControlledClock, describeStateStoreConformance } from '../conformance/state-store.suite';

function manualClock(start = Date.now()): ControlledClock {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describeStateStoreConformance('memory', async ({ retentionMs }) => {
  const clock = manualClock();
  const store = createMemoryStateStore({ clock, retentionMs });
  return { store, clock, cleanup: () => store.close(), writeRunFormat: async (runId, format) => writeMemoryRunFormat(store, runId, format) };
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
