import type { StartedServer } from './server';

/** Placeholder until the docker harness lands. */
export async function startDocker(): Promise<StartedServer> {
  return { name: 'docker', env: {}, stop: async () => {} };
}
