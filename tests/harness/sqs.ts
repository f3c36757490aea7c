import type { StartedServer } from './server';

/** Placeholder until the sqs harness lands. */
export async function startSqs(): Promise<StartedServer> {
  return { name: 'sqs', env: {}, stop: async () => {} };
}
