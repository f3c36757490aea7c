import { Redis } from 'ioredis';
import { createRedisHistoryStore } from '../../adapters/redis/history';
import { describeHistoryConformance } from '../conformance/history.suite';
import { createRedisSessionStore } from '../../adapters/redis/sessions';
import { describeSessionConformance } from '../conformance/sessions.suite';
import { harnessEnv } from '../support/harness-env';

const url = (): string => harnessEnv('STEPSTACK_TEST_REDIS_URL');
let prefixNumber = 0;

describeHistoryConformance('redis', async () => {
  const keyPrefix = `history-${process.pid}-${Date.now()}-${(prefixNumber += 1)}`;
  const store = createRedisHistoryStore({ url: url(), keyPrefix, clock: { now: () => Date.parse('2026-11-02T00:00:00.000Z') } });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const client = new Redis(url());
      const keys = await client.keys(`${keyPrefix}:*`);
      if (keys.length > 0) await client.del(...keys);
      await client.quit();
    },
  };
});

describeSessionConformance('redis', async () => {
  const keyPrefix = `sessions-${process.pid}-${Date.now()}-${(prefixNumber += 1)}`;
  const store = createRedisSessionStore({ url: url(), keyPrefix });
  return { store, cleanup: () => store.close() };
});
