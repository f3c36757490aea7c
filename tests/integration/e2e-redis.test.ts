import { describeEndToEnd } from './e2e/scenarios';

describeEndToEnd('Redis state, in-memory queues', () => ({ REDIS_URL: process.env.STEPSTACK_TEST_REDIS_URL ?? 'redis://missing-harness' }));
