import { createRedisStateStore } from '../adapters/redis';
import { createRedisHistoryStore } from '../adapters/redis/history';
import { createRedisSessionStore } from '../adapters/redis/sessions';
import type { SessionStore } from '../core/ports/sessions';
import type { HistoryStore } from '../core/ports/history';
import type { Clock } from '../core/ports/clock';
import type { StateStore } from '../core/ports/state';
import type { Settings } from './settings';

/** The stage's Redis state store, from REDIS_URL, REDIS_CLUSTER, STEPSTACK_NAMESPACE and RETENTION. */
export function redisStateFor(settings: Pick<Settings, 'REDIS_URL' | 'REDIS_CLUSTER' | 'STEPSTACK_NAMESPACE' | 'RETENTION'>, clock?: Clock): StateStore {
  return createRedisStateStore({
    url: settings.REDIS_URL,
    cluster: settings.REDIS_CLUSTER,
    keyPrefix: settings.STEPSTACK_NAMESPACE,
    retentionMs: settings.RETENTION,
    ...(clock ? { clock } : {}),
  });
}

/** The stage's history index on the same Redis (its own connection), under the same namespace. */
export function redisHistoryFor(settings: Pick<Settings, 'REDIS_URL' | 'REDIS_CLUSTER' | 'STEPSTACK_NAMESPACE' | 'RETENTION'>, clock?: Clock): HistoryStore {
  return createRedisHistoryStore({
    url: settings.REDIS_URL,
    cluster: settings.REDIS_CLUSTER,
    keyPrefix: settings.STEPSTACK_NAMESPACE,
    retentionMs: settings.RETENTION,
    ...(clock ? { clock } : {}),
  });
}

/** Dashboard sessions on the stage's Redis (their own connection). */
export function redisSessionsFor(settings: Pick<Settings, 'REDIS_URL' | 'REDIS_CLUSTER' | 'STEPSTACK_NAMESPACE'>): SessionStore {
  return createRedisSessionStore({ url: settings.REDIS_URL, cluster: settings.REDIS_CLUSTER, keyPrefix: settings.STEPSTACK_NAMESPACE });
}
