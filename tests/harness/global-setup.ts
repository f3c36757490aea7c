import type { StartedServer } from './server';
import { startDocker } from './docker';
import { startRedis } from './redis';
import { startSqs } from './sqs';

declare global {
  var __stepstackServers: StartedServer[] | undefined;
}

/** Starts the real servers the integration tests need (or finds them running) and exports where they are. */
export default async function globalSetup(): Promise<void> {
  const servers = await Promise.all([startRedis(), startSqs(), startDocker()]);
  globalThis.__stepstackServers = servers;
  for (const server of servers) Object.assign(process.env, server.env);
}
