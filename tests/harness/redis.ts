import { spawnRedisServer } from './redis-server';
import type { StartedServer } from './server';

const URL_ENV = 'STEPSTACK_TEST_REDIS_URL';

/** A Redis server for the integration tests, unless STEPSTACK_TEST_REDIS_URL already names one. */
export async function startRedis(): Promise<StartedServer> {
  if (process.env[URL_ENV]) return { name: 'redis', env: {}, stop: async () => {} };
  const server = await spawnRedisServer();
  return { name: 'redis', env: { [URL_ENV]: server.url }, stop: () => server.stop() };
}
