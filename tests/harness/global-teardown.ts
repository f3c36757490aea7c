/** Stops what global-setup started, and only that. */
export default async function globalTeardown(): Promise<void> {
  const servers = globalThis.__stepstackServers ?? [];
  await Promise.all(servers.map((server) => server.stop()));
}
