import { MemoryPauseIndex } from '../../adapters/memory/pause-index';
import { describePauseIndexConformance } from '../conformance/pause-index.suite';

describePauseIndexConformance('memory', async () => {
  const index = new MemoryPauseIndex();
  return {
    index,
    replaceRecord: async (eventName, pauseId, json) => index.replaceRecord(eventName, pauseId, json),
    footprint: async (eventName) => index.footprint(eventName),
    cleanup: async () => {},
  };
});
