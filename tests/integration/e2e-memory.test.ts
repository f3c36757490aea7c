import { describeEndToEnd } from './e2e/scenarios';

describeEndToEnd('in-memory state and queues', () => ({}));
