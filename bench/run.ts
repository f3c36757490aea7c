import { benchComponents } from './components';
import { benchDockerDriver } from './docker-driver';
import { benchExecutorMemory } from './executor-memory';
import { benchHandlers } from './handlers';
import { benchHttpClient } from './http-client';
import { benchExpressions } from './expressions';
import { benchFlowControl } from './flow-control';
import { benchLocalStack } from './local-stack';
import { benchPauseIndex } from './pause-index';
import { benchRedisVsBullmq } from './redis-vs-bullmq';
import { benchRunList } from './run-list';
import { benchRunState } from './run-state';
import { benchSdkSteps } from './sdk-steps';

/** Every benchmark, one after the other, each printing its figures. */
async function main(): Promise<void> {
  await benchComponents();
  await benchLocalStack();
  await benchRedisVsBullmq();
  await benchPauseIndex();
  await benchRunState();
  await benchRunList();
  await benchDockerDriver();
  await benchHttpClient();
  await benchHandlers();
  await benchExecutorMemory();
  await benchExpressions();
  await benchFlowControl();
  await benchSdkSteps();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
