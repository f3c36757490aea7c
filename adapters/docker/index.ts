export { createDockerDriver, type DockerDriver } from './driver';
export { createEcrCredentials, isEcrImage } from './ecr-auth';
export { LABELS } from './labels';
export { parseMemory } from '../../core/memory';
export type { CredentialsProvider, DockerDriverOptions, PullPolicy, RegistryCredentials } from './options';
export { probeDocker, type DockerProbe } from './probe';
