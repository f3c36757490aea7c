import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDuration } from '../../core/duration';
import { parseMemory } from '../../core/memory';

/** Where a process runs: each reads only the variables that name it. */
export type Target = 'local' | 'lambda' | 'ecs' | 'executor';

/** One environment variable: how its text becomes a value, and what the docs say of it. */
export interface Variable<T = unknown> {
  schema: z.ZodType<T, string | undefined>;
  /** The default as the docs show it (the schema applies the same). */
  default: string;
  meaning: string;
  /** Which deployment targets read it. */
  targets: readonly Target[];
}

const ALL: readonly Target[] = ['local', 'lambda', 'ecs', 'executor'];
const AWS: readonly Target[] = ['lambda', 'ecs', 'executor'];

type Doc = Omit<Variable, 'schema' | 'default'>;

/** Environment text: trimmed, and empty means unset (a `VAR=` line in an env file). */
const raw = (fallback: string) => z.string().optional().transform((value) => value?.trim() || fallback);

function text(fallback: string, doc: Doc & { shown?: string }): Variable<string> {
  return { schema: raw(fallback), default: doc.shown ?? (fallback === '' ? 'empty' : `\`${fallback}\``), meaning: doc.meaning, targets: doc.targets };
}

function integer(fallback: number, range: { min: number; max: number }, doc: Doc): Variable<number> {
  const schema = raw(String(fallback)).transform((value, ctx) => {
    const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isInteger(number) && number >= range.min && number <= range.max) return number;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not allowed: set a whole number from ${range.min} to ${range.max}` });
    return z.NEVER;
  });
  return { schema, default: String(fallback), ...doc };
}

function duration(fallback: string, range: { minMs: number }, doc: Doc): Variable<number> {
  const schema = raw(fallback).transform((value, ctx) => {
    try {
      const ms = parseDuration(value);
      if (ms >= range.minMs) return ms;
      ctx.addIssue({ code: 'custom', message: `"${value}" is too short: set at least ${range.minMs} ms (e.g. 1s)` });
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: ${error instanceof Error ? error.message : String(error)}` });
    }
    return z.NEVER;
  });
  return { schema, default: `\`${fallback}\``, ...doc };
}

/** A memory quantity as steps write it (`512Mi`, `8Gi`), kept as text for the Docker driver. */
function memory(fallback: string, doc: Doc): Variable<string> {
  const schema = raw(fallback).transform((value, ctx) => {
    try {
      parseMemory(value);
      return value;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
  });
  return { schema, default: `\`${fallback}\``, ...doc };
}

/** A positive number such as 0.5. */
function decimal(fallback: string, doc: Doc & { shown?: string }): Variable<number> {
  const schema = raw(fallback).transform((value, ctx) => {
    const number = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (number > 0) return number;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not allowed: set a number above 0, e.g. 0.5 or 2` });
    return z.NEVER;
  });
  return { schema, default: doc.shown ?? `\`${fallback}\``, meaning: doc.meaning, targets: doc.targets };
}

function flag(doc: Doc): Variable<boolean> {
  const schema = raw('false').transform((value, ctx) => {
    const lower = value.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    ctx.addIssue({ code: 'custom', message: `"${value}" is not allowed: set true or false` });
    return z.NEVER;
  });
  return { schema, default: '`false`', ...doc };
}

function list(doc: Doc & { shown: string }): Variable<string[]> {
  return { schema: raw('').transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)), default: doc.shown, meaning: doc.meaning, targets: doc.targets };
}

/**
 * A URL with one of `protocols`, or empty (unset). Checked by its scheme only: local SQS servers
 * hand out queue URLs (`http://sqs.us-east-1.127.0.0.1:PORT/...`) that WHATWG URL parsing refuses.
 */
function url(protocols: string[], doc: Doc & { shown: string }): Variable<string> {
  const schema = raw('').transform((value, ctx) => {
    if (value === '') return value;
    const scheme = /^([a-z][a-z0-9+.-]*:)\/\/[^\s/]+/i.exec(value)?.[1]?.toLowerCase();
    if (scheme && protocols.includes(scheme)) return value;
    // Never echo the value: a URL may carry a password.
    ctx.addIssue({ code: 'custom', message: `is not a URL starting ${protocols.map((protocol) => `${protocol}//`).join(' or ')}: set one, or leave it empty` });
    return z.NEVER;
  });
  return { schema, default: doc.shown, meaning: doc.meaning, targets: doc.targets };
}

function choice<const T extends string>(values: readonly T[], fallback: T, doc: Doc): Variable<T> {
  const schema = raw(fallback).transform((value, ctx) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    ctx.addIssue({ code: 'custom', message: `"${value}" is not allowed: set one of ${values.join(', ')}` });
    return z.NEVER;
  });
  return { schema, default: `\`${fallback}\``, ...doc };
}

/**
 * Every setting of every entry point, once: its type and range, default and meaning. The README's
 * table is generated from this (tests/unit/settings-docs.test.ts keeps them equal).
 */
export const VARIABLES = {
  PORT: integer(8288, { min: 0, max: 65_535 }, { meaning: 'port of the local stack and of the Event API container', targets: ['local', 'ecs'] }),
  HOST: text('127.0.0.1', { shown: '127.0.0.1', meaning: 'address the HTTP server listens on (the container sets 0.0.0.0)', targets: ['local', 'ecs'] }),
  ALLOWED_HOSTS: list({ shown: "empty: this machine's names", meaning: 'comma-separated `Host` names the open local stack also answers (`*`: any); with keys set, any', targets: ['local'] }),
  FUNCTIONS_DIR: text('./functions', { meaning: 'where function files are read from', targets: ['local'] }),
  EXAMPLES_PORT: integer(8289, { min: 0, max: 65_535 }, { meaning: 'port of the example step service (0: off)', targets: ['local'] }),
  EVENT_KEYS: list({ shown: 'empty: any non-empty key', meaning: 'comma-separated accepted event keys', targets: ['local', 'lambda', 'ecs'] }),
  API_KEY: text('', { shown: 'empty: open locally', meaning: 'bearer key of the core API', targets: ['local', 'lambda'] }),
  SIGNING_KEY: text('', { shown: 'empty: unsigned', meaning: 'key that signs HTTP step requests and SDK calls (hex for SDK apps, optionally signkey-<env>-)', targets: ['local', 'lambda', 'executor'] }),
  RETRY_BASE: duration('10s', { minMs: 1 }, { meaning: 'retry backoff base (a duration)', targets: ALL }),
  RETRY_MAX: duration('1h', { minMs: 1 }, { meaning: 'retry backoff cap (a duration)', targets: ALL }),
  RETENTION: duration('7d', { minMs: 60_000 }, { meaning: 'how long runs and outputs are kept', targets: ALL }),
  REDIS_URL: url(['redis:', 'rediss:'], { shown: 'empty: in-memory state', meaning: 'Redis for state (`redis://` or `rediss://`)', targets: ALL }),
  REDIS_CLUSTER: flag({ meaning: 'talk to Redis in cluster mode (ElastiCache cluster mode)', targets: ALL }),
  REDIS_HOST: text('', { meaning: 'Redis host, when REDIS_URL is not set (on AWS: REDIS_URL is then `rediss://` built from the parts)', targets: AWS }),
  REDIS_PORT: integer(6379, { min: 1, max: 65_535 }, { meaning: 'Redis port, with REDIS_HOST', targets: AWS }),
  REDIS_AUTH_TOKEN: text('', { meaning: 'Redis AUTH token, with REDIS_HOST (on AWS read at start from REDIS_AUTH_SECRET_ARN)', targets: AWS }),
  REDIS_AUTH_SECRET_ARN: text('', { shown: 'empty', meaning: 'Secrets Manager secret (JSON `{"token": ...}`) read at start into REDIS_AUTH_TOKEN', targets: AWS }),
  EVENT_KEYS_PARAMETER: text('', { shown: 'empty', meaning: 'SSM parameter (SecureString) read at start into EVENT_KEYS', targets: ['lambda', 'ecs'] }),
  API_KEY_PARAMETER: text('', { shown: 'empty', meaning: 'SSM parameter (SecureString) read at start into API_KEY', targets: ['lambda'] }),
  SIGNING_KEY_PARAMETER: text('', { shown: 'empty', meaning: 'SSM parameter (SecureString) read at start into SIGNING_KEY', targets: ['lambda', 'executor'] }),
  SQS_ENDPOINT: url(['http:', 'https:'], { shown: 'empty: in-memory queues', meaning: 'SQS-compatible endpoint for the event stream and queue (on AWS, empty: the region\'s SQS)', targets: ALL }),
  AWS_REGION: text('us-east-1', { meaning: 'AWS region of the queues and the auto-scaling group', targets: ALL }),
  EVENT_STREAM_URL: url(['http:', 'https:'], { shown: 'empty (required where used)', meaning: 'URL of the event stream queue (set by the stage)', targets: ['lambda', 'ecs', 'executor'] }),
  STEP_QUEUE_URL: url(['http:', 'https:'], { shown: 'empty (required where used)', meaning: 'URL of the step queue (set by the stage)', targets: AWS }),
  STEPSTACK_NAMESPACE: text('stepstack', { meaning: 'prefix of queue names and Redis keys, so stacks can share servers', targets: ALL }),
  STEPSTACK_STAGE: text('', { shown: 'empty (local)', meaning: 'stage name, carried on every log line', targets: AWS }),
  LOG_FORMAT: choice(['auto', 'json', 'text'], 'auto', { meaning: 'log lines as JSON (`auto`: JSON on AWS, readable text for `npm start`)', targets: ALL }),
  CONCURRENCY: integer(20, { min: 1, max: 1000 }, { meaning: 'steps run at once by an executor', targets: ['local', 'executor'] }),
  FUNCTION_SHARE: integer(75, { min: 1, max: 100 }, { meaning: 'percent of an executor\'s slots one function may hold (the rest keep other functions moving)', targets: ['local', 'executor'] }),
  RUN_OUTPUT_CAP: memory('32Mi', { meaning: 'most step output (JSON) one run may hold; a step whose output passes it fails for good', targets: ['local', 'executor'] }),
  STEP_LEASE: duration('30s', { minMs: 1000 }, { meaning: 'how long a running step\'s lease lasts between renewals', targets: ['local', 'executor'] }),
  DRAIN_DEADLINE: duration('60s', { minMs: 0 }, { meaning: 'how long work in hand may finish after a stop is asked, then it is aborted and returns to the queue', targets: ['local', 'ecs', 'executor'] }),
  HTTP_ALLOW_LINK_LOCAL: flag({ meaning: 'let HTTP steps call link-local and instance-metadata addresses', targets: ['local', 'executor'] }),
  DOCKER_NETWORK: text('bridge', { meaning: 'network mode of Docker steps', targets: ['local', 'executor'] }),
  HEALTH_PORT: integer(8290, { min: 0, max: 65_535 }, { meaning: 'port of the health and metrics endpoint of the executor and the ECS runner, on 127.0.0.1 only (0: any free port)', targets: ['ecs', 'executor'] }),
  DOCKER_MEMORY: memory('512Mi', { meaning: 'memory limit of a Docker step that sets none', targets: ['local', 'executor'] }),
  DOCKER_MEMORY_MAX: memory('8Gi', { meaning: 'most memory a Docker step may ask for (more fails the step for good)', targets: ['local', 'executor'] }),
  DOCKER_CPUS: decimal('1', { meaning: 'CPUs of a Docker step that sets none', targets: ['local', 'executor'] }),
  DOCKER_CPUS_MAX: decimal(String(availableParallelism()), { shown: "empty: the machine's CPUs", meaning: 'most CPUs a Docker step may ask for (more fails the step for good)', targets: ['local', 'executor'] }),
  DOCKER_PIDS: integer(512, { min: 16, max: 1_000_000 }, { meaning: 'processes and threads one Docker step may run (steps cannot ask for more)', targets: ['local', 'executor'] }),
  DOCKER_ALLOW_ROOT: flag({ meaning: 'run images whose user is root as root (otherwise as 65534:65534, nobody)', targets: ['local', 'executor'] }),
  ASG_NAME: text('', { meaning: 'auto-scaling group of this executor machine (drains and completes its lifecycle hook on scale-in)', targets: ['executor'] }),
  LIFECYCLE_HOOK_NAME: text('', { meaning: 'termination lifecycle hook of ASG_NAME', targets: ['executor'] }),
} satisfies Record<string, Variable>;
