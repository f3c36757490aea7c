import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inngest, type InngestFunction } from 'inngest';
import express from 'express';
import { serve as serveExpress } from 'inngest/express';
import { serve } from 'inngest/node';

export interface SdkApp {
  /** The serve() URL. */
  url: string;
  client: Inngest;
  close(): Promise<void>;
}

export interface SdkAppOptions {
  id: string;
  /** The stack the app sends events to and registers with (`INNGEST_BASE_URL`). */
  stackUrl: string;
  signingKey: string;
  eventKey?: string;
  functions: (client: Inngest) => InngestFunction.Any[];
  /** Refuse in-band syncs, as `INNGEST_ALLOW_IN_BAND_SYNC=0` does: the app registers itself instead. */
  outOfBandOnly?: boolean;
  /** Which of the SDK's framework adapters serves it. @default 'node' */
  adapter?: 'node' | 'express';
}

/** A real app made with the official `inngest` package, served by `inngest/node` on loopback. */
export async function startSdkApp(options: SdkAppOptions): Promise<SdkApp> {
  const client = new Inngest({
    id: options.id, isDev: false, signingKey: options.signingKey, eventKey: options.eventKey ?? 'test-key', baseUrl: options.stackUrl,
    logger: quietLogger,
  });
  const functions = options.functions(client);
  let server: Server;
  if (options.adapter === 'express') {
    const app = express();
    app.use(express.json({ limit: '4mb' }));
    app.use('/api/inngest', serveExpress({ client, functions }));
    server = createServer(app);
  } else {
    const handler = serve({ client, functions });
    server = createServer((req, res) => {
      // An SDK that will not sync in band ignores the request for it and registers itself.
      if (options.outOfBandOnly) delete req.headers['x-inngest-sync-kind'];
      void handler(req, res);
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/inngest`,
    client,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

const quiet = (): void => undefined;
const quietLogger = { info: quiet, warn: quiet, error: quiet, debug: quiet };
