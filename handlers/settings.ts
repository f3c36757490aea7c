import { parseDuration } from '../core/duration';
import { ValidationError } from '../core/errors';
import { defaultRetrySettings, type RetrySettings } from '../core/run/backoff';

/** What the Lambda handlers and the executor daemon read from their environment (set by serverless.yml or the executor's env file). */
export interface DeploySettings {
  /** URL of the event stream queue (EVENT_STREAM_URL). */
  eventStreamUrl: string;
  /** URL of the step queue (STEP_QUEUE_URL). */
  stepQueueUrl: string;
  /** An SQS-compatible endpoint instead of AWS's (SQS_ENDPOINT). @default '' (AWS) */
  sqsEndpoint: string;
  /** @default process.env.AWS_REGION ?? 'us-east-1' */
  region: string;
  /** Redis of the stage (REDIS_URL; or REDIS_HOST, REDIS_PORT and REDIS_AUTH_TOKEN, as ECS injects them). */
  redisUrl: string;
  /** @default [] (any non-empty key) */
  eventKeys: string[];
  /** @default '' (open) */
  apiKey: string;
  /** @default '' (unsigned) */
  signingKey: string;
  /** @default 7d */
  retentionMs: number;
  retry: RetrySettings;
  /** Prefix of Redis keys, so that stages can share a server. @default 'stepstack' */
  keyPrefix: string;
}

type Env = Record<string, string | undefined>;

/** Read the settings, naming every bad or missing variable and its fix at once. `required` lists what this process cannot do without. */
export function readSettings(env: Env, required: ('eventStreamUrl' | 'stepQueueUrl' | 'redisUrl')[]): DeploySettings {
  const problems: string[] = [];
  const text = (name: string): string => env[name]?.trim() ?? '';
  const duration = (name: string, fallback: string): number => {
    try {
      return parseDuration(text(name) || fallback);
    } catch (error) {
      problems.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      return 0;
    }
  };
  const settings: DeploySettings = {
    eventStreamUrl: text('EVENT_STREAM_URL'),
    stepQueueUrl: text('STEP_QUEUE_URL'),
    sqsEndpoint: text('SQS_ENDPOINT'),
    region: text('AWS_REGION') || 'us-east-1',
    redisUrl: text('REDIS_URL') || redisUrlFromParts(env),
    eventKeys: text('EVENT_KEYS').split(',').map((key) => key.trim()).filter(Boolean),
    apiKey: text('API_KEY'),
    signingKey: text('SIGNING_KEY'),
    retentionMs: duration('RETENTION', '7d'),
    retry: { ...defaultRetrySettings, baseMs: duration('RETRY_BASE', '10s'), maxMs: duration('RETRY_MAX', '1h') },
    keyPrefix: text('STEPSTACK_KEY_PREFIX') || 'stepstack',
  };
  const variables = { eventStreamUrl: 'EVENT_STREAM_URL', stepQueueUrl: 'STEP_QUEUE_URL', redisUrl: 'REDIS_URL' } as const;
  for (const key of required) {
    if (!settings[key]) problems.push(`${variables[key]}: required; serverless.yml sets it per stage (params), the executor reads it from /etc/stepstack/executor.env`);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return settings;
}

/** ECS injects the AUTH token as its own secret variable: build the TLS URL from the parts. */
function redisUrlFromParts(env: Env): string {
  const host = env.REDIS_HOST?.trim();
  if (!host) return '';
  const token = env.REDIS_AUTH_TOKEN?.trim();
  return `rediss://${token ? `:${encodeURIComponent(token)}@` : ''}${host}:${env.REDIS_PORT?.trim() || '6379'}`;
}
