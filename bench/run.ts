import { benchDockerDriver } from './docker-driver';
import { benchLocalStack } from './local-stack';
import { benchPauseIndex } from './pause-index';
import { benchRedisVsBullmq } from './redis-vs-bullmq';
import { benchRunState } from './run-state';

/** Every benchmark, one after the other, each printing its figures. */
async function main(): Promise<void> {
  await benchLocalStack();
  await benchRedisVsBullmq();
  await benchPauseIndex();
  await benchRunState();
  await benchDockerDriver();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
