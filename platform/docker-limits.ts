import type { DockerDriverOptions } from '../adapters/docker';
import type { Settings } from './settings';

/** The Docker driver's limits and user policy from the stage's settings. */
export function dockerLimitsFor(settings: Settings): Pick<DockerDriverOptions, 'defaults' | 'maximums' | 'allowRoot'> {
  return {
    defaults: { memory: settings.DOCKER_MEMORY, cpus: settings.DOCKER_CPUS, pids: settings.DOCKER_PIDS },
    maximums: { memory: settings.DOCKER_MEMORY_MAX, cpus: settings.DOCKER_CPUS_MAX, pids: settings.DOCKER_PIDS },
    allowRoot: settings.DOCKER_ALLOW_ROOT,
  };
}
