import { createAdaptorServer } from '@hono/node-server';
import type { Server } from 'node:http';
import { type Listening, listen } from './listen';

/** Anything with a fetch handler: the stack's hono app. */
export interface FetchApp {
  fetch(request: Request, ...rest: never[]): Response | Promise<Response>;
}

/** Serve the app over node:http (local stack, ECS containers) on `host:port`. */
export async function serveApp(app: FetchApp, options: { port: number; host: string }): Promise<Listening> {
  const server = createAdaptorServer({ fetch: app.fetch as (request: Request) => Response | Promise<Response> }) as Server;
  // Longer than the idle timeout of the load balancers in front (60 s), so they close first.
  server.keepAliveTimeout = 65_000;
  return listen(server, options);
}
