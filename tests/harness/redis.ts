import type { StartedServer } from './server';

/** Placeholder until the redis harness lands. */
export async function startRedis(): Promise<StartedServer> {
  return { name: 'redis', env: {}, stop: async () => {} };
}
