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
  /** Limits for steps that set none (the stage's defaults). @default { memory: "512Mi", cpus: 1, pids: 512 } */
  defaults?: Partial<ContainerLimitSettings>;
  /**
   * The most a step may ask for (steps set `memory` and `cpus`); a step over a maximum fails for good
   * naming it. @default { memory: "8Gi", cpus: the machine's CPUs, pids: 4096 }
   */
  maximums?: Partial<ContainerLimitSettings>;
  /** Run images whose user is root as root. @default false: they run as 65534:65534 (nobody) */
  allowRoot?: boolean;
  /** Standard output kept per attempt; beyond it the attempt fails for good. @default 4 MiB */
  maxStdoutBytes?: number;
  /** Standard error kept per attempt (its tail), for the error text. @default 64 KiB */
  maxStderrBytes?: number;
  /** Drop every Linux capability. @default true */
  dropCapabilities?: boolean;
}

/** Resource limits of one container, as a stage sets them. */
export interface ContainerLimitSettings {
  /** A memory quantity, e.g. `512Mi`. */
  memory: string;
  /** CPUs, e.g. 0.5. */
  cpus: number;
  /** Processes and threads. */
  pids: number;
}

export type ResolvedOptions = Required<Omit<DockerDriverOptions, 'credentialsFor' | 'defaults' | 'maximums'>> & {
  credentialsFor?: CredentialsProvider;
  defaults: ContainerLimitSettings;
  maximums: ContainerLimitSettings;
};

/** The user that containers of root images run as, unless `allowRoot`. */
export const NON_ROOT_USER = '65534:65534';

const KNOWN = new Set([
  'executorId', 'socketPath', 'network', 'pullPolicy', 'credentialsFor', 'maxConcurrent', 'defaults', 'maximums',
  'allowRoot', 'maxStdoutBytes', 'maxStderrBytes', 'dropCapabilities',
]);
const LIMIT_KEYS = new Set(['memory', 'cpus', 'pids']);
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
  for (const key of ['maxConcurrent', 'maxStdoutBytes', 'maxStderrBytes'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) problems.push(`${key}: must be a whole number of at least 1`);
  }
  const maximums = { memory: '8Gi', cpus: availableParallelism(), pids: 4096, ...checkLimits(options.maximums, 'maximums', problems) };
  const defaults = { memory: '512Mi', cpus: 1, pids: 512, ...checkLimits(options.defaults, 'defaults', problems) };
  if (problems.length === 0) {
    // A default above its maximum would refuse every step that sets nothing.
    for (const key of ['memory', 'cpus', 'pids'] as const) {
      const over = key === 'memory' ? parseMemory(defaults.memory) > parseMemory(maximums.memory) : defaults[key] > maximums[key];
      if (over) problems.push(`defaults.${key}: ${defaults[key]} is above maximums.${key} (${maximums[key]}): lower the default or raise the maximum`);
    }
  }
  if (problems.length > 0) throw new Error(`Docker driver options: ${problems.join('; ')}`);
  return {
    executorId: options.executorId,
    socketPath: options.socketPath ?? defaultSocketPath(),
    network: options.network ?? 'bridge',
    pullPolicy: options.pullPolicy ?? 'if-not-present',
    credentialsFor: options.credentialsFor,
    maxConcurrent: options.maxConcurrent ?? 2 * availableParallelism(),
    defaults,
    maximums,
    allowRoot: options.allowRoot ?? false,
    maxStdoutBytes: options.maxStdoutBytes ?? 4 * 2 ** 20,
    maxStderrBytes: options.maxStderrBytes ?? 64 * 2 ** 10,
    dropCapabilities: options.dropCapabilities ?? true,
  };
}

/** The limits given (unknown keys and bad values reported as `where.key`). */
function checkLimits(given: Partial<ContainerLimitSettings> | undefined, where: string, problems: string[]): Partial<ContainerLimitSettings> {
  if (given === undefined) return {};
  for (const key of Object.keys(given)) if (!LIMIT_KEYS.has(key)) problems.push(`${where}.${key}: unknown limit (known: memory, cpus, pids)`);
  if (given.memory !== undefined) {
    try {
      parseMemory(given.memory);
    } catch (error) {
      problems.push(`${where}.memory: ${(error as Error).message}`);
    }
  }
  if (given.cpus !== undefined && !(typeof given.cpus === 'number' && given.cpus > 0)) problems.push(`${where}.cpus: must be above 0, e.g. 0.5`);
  if (given.pids !== undefined && !(Number.isInteger(given.pids) && given.pids >= 1)) problems.push(`${where}.pids: must be a whole number of at least 1`);
  const { memory, cpus, pids } = given;
  return { ...(memory === undefined ? {} : { memory }), ...(cpus === undefined ? {} : { cpus }), ...(pids === undefined ? {} : { pids }) };
}
