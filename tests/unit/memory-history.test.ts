import { createMemoryHistoryStore } from '../../adapters/memory/history';
import { describeHistoryConformance } from '../conformance/history.suite';

describeHistoryConformance('memory', async () => {
  const store = createMemoryHistoryStore({ clock: { now: () => Date.parse('2026-11-02T00:00:00.000Z') } });
  return { store, cleanup: () => store.close() };
});
