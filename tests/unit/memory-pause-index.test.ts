import { MemoryPauseIndex } from '../../adapters/memory/pause-index';
import type { IndexedPause } from '../../core/ports/pause-index';
import { describePauseIndexConformance } from '../conformance/pause-index.suite';

describePauseIndexConformance('memory', async () => {
  const index = new MemoryPauseIndex();
  return {
    index,
    replaceRecord: async (eventName, pauseId, json) => index.replaceRecord(eventName, pauseId, json),
    footprint: async (eventName) => {
      const { pauses, expiries, buckets } = index.footprint(eventName);
      return { pauses, expiries, buckets };
    },
    cleanup: async () => {},
  };
});

describe('memory pause index', () => {
  const pause = (i: number, expiresAt: number): IndexedPause => ({
    id: `p${i}`, runId: `r${i}`, functionId: 'f', kind: 'async', event: 'e', expiresAt, key: { path: ['data', 'id'], value: `"${i}"` },
  });

  it('compacts the expiry entries of dropped and re-timed pauses long before they are due', async () => {
    // Prepare
    const index = new MemoryPauseIndex();
    const farAway = Date.now() + 86_400_000;
    for (let i = 0; i < 5000; i += 1) await index.indexPause(pause(i, farAway));
    // Act
    for (let i = 1; i < 5000; i += 1) await index.dropPause('e', `p${i}`);
    for (let round = 1; round <= 3000; round += 1) await index.indexPause(pause(0, farAway + round));
    const held = index.footprint('e');
    const found = await index.candidatesFor({ name: 'e', data: { id: '0' }, id: 'x', ts: 0 }, farAway + 2999);
    // Assess
    expect(held).toMatchObject({ pauses: 1, expiries: 1, buckets: 1 });
    expect(held.heapEntries).toBeLessThan(1100);
    expect(found.map(({ expiresAt }) => expiresAt)).toEqual([farAway + 3000]);
  });
});
