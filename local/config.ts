import { parseDuration } from '../core/duration';
import { ValidationError } from '../core/errors';

/** The local stack's settings (SPEC section 7), read from the environment. */
export interface StackConfig {
  /** @default 8288 */
  port: number;
  /** @default '127.0.0.1' — nothing listens publicly unless asked */
  host: string;
  /** @default './functions' */
  functionsDir: string;
  /** @default [] (any non-empty key) */
  eventKeys: string[];
  /** @default '' (open) */
  apiKey: string;
  /** @default '' (unsigned) */
  signingKey: string;
  /** @default 10s */
  retryBaseMs: number;
  /** @default 1h */
  retryMaxMs: number;
  /** @default '' (in-memory state) */
  redisUrl: string;
  /** Talk to Redis in cluster mode (ElastiCache cluster mode enabled). @default false */
  redisCluster: boolean;
  /** @default '' (in-memory queues) */
  sqsEndpoint: string;
  /** @default 7d */
  retentionMs: number;
  /** Prefix of queue names on SQS and of keys on Redis, so stacks can share a server. @default 'stepstack' */
  namespace: string;
  /** Port of the example step service; 0 disables it. @default 8289 */
  examplesPort: number;
  /** Let HTTP steps call link-local and instance-metadata addresses. @default false */
  allowLinkLocal: boolean;
  /** Docker network mode for container steps. @default 'bridge' */
  dockerNetwork: string;
  /** Steps run at once by the in-process executor. @default 20 */
  concurrency: number;
  /** How long a running step's lease and queue visibility last between renewals; a killed executor's step runs again after it. @default 30s */
  leaseMs: number;
}

type Env = Record<string, string | undefined>;

/** Read the settings, naming every bad variable and its fix at once. */
export function loadConfig(env: Env = process.env): StackConfig {
  const problems: string[] = [];
  const text = (name: string, fallback: string): string => env[name]?.trim() || fallback;
  const integer = (name: string, fallback: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) problems.push(`${name}: "${raw}" is not a whole number >= 0`);
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const raw = text(name, fallback);
    try {
      return parseDuration(raw);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  };
  const flag = (name: string): boolean => {
    const raw = text(name, 'false').toLowerCase();
    if (raw !== 'true' && raw !== 'false') problems.push(`${name}: "${raw}" must be true or false`);
    return raw === 'true';
  };
  const list = (name: string): string[] => text(name, '').split(',').map((key) => key.trim()).filter(Boolean);
  const config: StackConfig = {
    port: integer('PORT', 8288),
    host: text('HOST', '127.0.0.1'),
    functionsDir: text('FUNCTIONS_DIR', './functions'),
    eventKeys: list('EVENT_KEYS'),
    apiKey: text('API_KEY', ''),
    signingKey: text('SIGNING_KEY', ''),
    retryBaseMs: duration('RETRY_BASE', '10s'),
    retryMaxMs: duration('RETRY_MAX', '1h'),
    redisUrl: text('REDIS_URL', ''),
    redisCluster: flag('REDIS_CLUSTER'),
    sqsEndpoint: text('SQS_ENDPOINT', ''),
    retentionMs: duration('RETENTION', '7d'),
    namespace: text('STEPSTACK_NAMESPACE', 'stepstack'),
    examplesPort: integer('EXAMPLES_PORT', 8289),
    allowLinkLocal: flag('HTTP_ALLOW_LINK_LOCAL'),
    dockerNetwork: text('DOCKER_NETWORK', 'bridge'),
    concurrency: integer('CONCURRENCY', 20),
    leaseMs: duration('STEP_LEASE', '30s'),
  };
  if (problems.length > 0) throw new ValidationError(problems);
  return config;
}
