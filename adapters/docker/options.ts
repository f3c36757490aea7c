import { availableParallelism } from 'node:os';
import { parseMemory } from '../../core/memory';

/** When to pull an image: Kubernetes' names and meanings. */
export type PullPolicy = 'if-not-present' | 'always' | 'never';

/** What the daemon needs to pull from a private registry. */
export interface RegistryCredentials {
  username: string;
  password: string;
  /** The registry's host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  serveraddress: string;
}

/** Credentials for pulling `image`, or undefined to pull anonymously. */
export type CredentialsProvider = (image: string) => Promise<RegistryCredentials | undefined>;

export interface DockerDriverOptions {
  /** Owner id of this executor process, written on every container as `stepstack.executor`. */
  executorId: string;
  /** The daemon's unix socket. @default the path in `DOCKER_HOST` (unix://), else /var/run/docker.sock */
  socketPath?: string;
  /** Network mode of step containers: `bridge`, `none`, `host` or a network's name. @default "bridge" */
  network?: string;
  /** @default "if-not-present" */
  pullPolicy?: PullPolicy;
  /** Registry credentials per image. @default anonymous pulls */
  credentialsFor?: CredentialsProvider;
  /** Containers running at once; more attempts wait their turn. @default 2 × the machine's CPUs */
  maxConcurrent?: number;
  /** Limits for steps that set none (the stage's defaults). @default no memory or CPU limit */
  defaults?: { memory?: string; cpus?: number };
  /** Processes allowed in one container. @default 512 */
  pidsLimit?: number;
  /** Standard output kept per attempt; beyond it the attempt fails for good. @default 4 MiB */
  maxStdoutBytes?: number;
  /** Standard error kept per attempt (its tail), for the error text. @default 64 KiB */
  maxStderrBytes?: number;
  /** Drop every Linux capability. @default true */
  dropCapabilities?: boolean;
}

export type ResolvedOptions = Required<Omit<DockerDriverOptions, 'credentialsFor' | 'defaults'>> & {
  credentialsFor?: CredentialsProvider;
  defaults: { memory?: string; cpus?: number };
};

const KNOWN = new Set([
  'executorId', 'socketPath', 'network', 'pullPolicy', 'credentialsFor', 'maxConcurrent', 'defaults',
  'pidsLimit', 'maxStdoutBytes', 'maxStderrBytes', 'dropCapabilities',
]);
const POLICIES: PullPolicy[] = ['if-not-present', 'always', 'never'];

/** The daemon socket this machine's settings point at. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const host = env.DOCKER_HOST;
  return host?.startsWith('unix://') ? host.slice('unix://'.length) : '/var/run/docker.sock';
}

/** Options with defaults applied; throws naming the option and the fix (unknown keys included: they are typos). */
export function resolveOptions(options: DockerDriverOptions): ResolvedOptions {
  const problems: string[] = [];
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) problems.push(`${key}: unknown option (known: ${[...KNOWN].join(', ')})`);
  if (typeof options.executorId !== 'string' || options.executorId === '') problems.push('executorId: required: set it to this executor process\'s owner id');
  if (options.pullPolicy !== undefined && !POLICIES.includes(options.pullPolicy)) problems.push(`pullPolicy: "${options.pullPolicy}" is not one of ${POLICIES.join(', ')}`);
  for (const key of ['maxConcurrent', 'pidsLimit', 'maxStdoutBytes', 'maxStderrBytes'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) problems.push(`${key}: must be a whole number of at least 1`);
  }
  if (options.defaults?.memory !== undefined) {
    try {
      parseMemory(options.defaults.memory);
    } catch (error) {
      problems.push(`defaults.memory: ${(error as Error).message}`);
    }
  }
  const cpus = options.defaults?.cpus;
  if (cpus !== undefined && !(cpus > 0)) problems.push('defaults.cpus: must be above 0, e.g. 0.5');
  if (problems.length > 0) throw new Error(`Docker driver options: ${problems.join('; ')}`);
  return {
    executorId: options.executorId,
    socketPath: options.socketPath ?? defaultSocketPath(),
    network: options.network ?? 'bridge',
    pullPolicy: options.pullPolicy ?? 'if-not-present',
    credentialsFor: options.credentialsFor,
    maxConcurrent: options.maxConcurrent ?? 2 * availableParallelism(),
    defaults: options.defaults ?? {},
    pidsLimit: options.pidsLimit ?? 512,
    maxStdoutBytes: options.maxStdoutBytes ?? 4 * 2 ** 20,
    maxStderrBytes: options.maxStderrBytes ?? 64 * 2 ** 10,
    dropCapabilities: options.dropCapabilities ?? true,
  };
}
