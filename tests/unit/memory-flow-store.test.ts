import { MemoryFlowStore } from '../../adapters/memory/flow-store';
import { describeFlowStoreConformance } from '../conformance/flow-store.suite';

describeFlowStoreConformance('memory', async () => ({ flow: new MemoryFlowStore(() => Date.now()), cleanup: async () => {} }));
