export { createRedisStateStore, type RedisStateStoreOptions } from './state-store';
