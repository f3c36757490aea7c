import { createRedisStateStore } from '../../adapters/redis';
import { describeFlowStoreConformance } from '../conformance/flow-store.suite';
import { type SpawnedRedisServer, spawnRedisServer } from '../harness/redis-server';
import { harnessEnv } from '../support/harness-env';

let prefixNumber = 0;
const uniquePrefix = (label: string): string => `${label}-${process.pid}-${Date.now()}-${(prefixNumber += 1)}`;

describeFlowStoreConformance('redis', async () => {
  const store = createRedisStateStore({ url: harnessEnv('STEPSTACK_TEST_REDIS_URL'), keyPrefix: uniquePrefix('flow') });
  return { flow: store.flow, cleanup: () => store.close() };
});

describe('redis flow store on a cluster', () => {
  let cluster: SpawnedRedisServer;
  beforeAll(async () => {
    cluster = await spawnRedisServer({ cluster: true });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  describeFlowStoreConformance('redis cluster mode', async () => {
    const store = createRedisStateStore({ url: cluster.url, cluster: true, keyPrefix: uniquePrefix('flow-cluster') });
    return { flow: store.flow, cleanup: () => store.close() };
  });
});
