import { describeSdkFunctions } from './sdk/scenarios';

describeSdkFunctions('Redis state and SQS queues', () => ({
  REDIS_URL: process.env.STEPSTACK_TEST_REDIS_URL ?? 'redis://missing-harness',
  SQS_ENDPOINT: process.env.STEPSTACK_TEST_SQS_ENDPOINT ?? 'http://missing-harness',
}));
