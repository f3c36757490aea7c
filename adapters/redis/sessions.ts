import { PlatformError, errorMessage } from '../../core/errors';
import type { SessionStore } from '../../core/ports/sessions';
import { type RedisConnectionOptions, connectRedis } from './client';

/** Sessions on Redis: one key per session (its own slot), expiring with it. */
export function createRedisSessionStore(options: RedisConnectionOptions & { keyPrefix?: string }): SessionStore {
  const prefix = options.keyPrefix ?? 'ss';
  if (/[{}]/.test(prefix)) throw new Error(`keyPrefix '${prefix}' is invalid: use a prefix without braces`);
  const client = connectRedis({ connectionName: 'stepstack-sessions', ...options });
  client.on('error', () => undefined); // surfaced on the calls they fail
  const key = (id: string): string => `${prefix}:{session:${id}}`;
  const call = async <T>(operation: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new PlatformError(`redis sessions ${operation} failed: ${errorMessage(error)}`, { cause: error });
    }
  };
  return {
    startSession: (id, ttlMs) => call('startSession', async () => void (await client.set(key(id), '1', 'PX', Math.max(1, Math.ceil(ttlMs))))),
    isLive: (id) => call('isLive', async () => (await client.exists(key(id))) === 1),
    endSession: (id) => call('endSession', async () => void (await client.del(key(id)))),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
