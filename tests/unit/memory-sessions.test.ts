import { createMemorySessionStore } from '../../adapters/memory/sessions';
import { systemClock } from '../../core/ports/clock';
import { describeSessionConformance } from '../conformance/sessions.suite';

describeSessionConformance('memory', async () => {
  const store = createMemorySessionStore(systemClock);
  return { store, cleanup: () => store.close() };
});
