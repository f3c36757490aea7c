import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  server: Server;
  /** The bound port (useful with port 0). */
  port: number;
  /** Stop accepting, drop idle keep-alive connections, and resolve once closed. */
  close(): Promise<void>;
}

/** Listen on `host:port`, rejecting on a bind error (a port in use) instead of crashing later. */
export async function listen(server: Server, options: { port: number; host: string }): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
