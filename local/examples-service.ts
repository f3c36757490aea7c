import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { verifySignature } from '../adapters/http-driver/signature';
import type { StepInput } from '../core/ports/driver';
import { type Listening, listen } from '../platform/http/listen';

type Handler = (input: StepInput) => { status?: number; body: unknown };

/** What the example functions' HTTP steps do: small, deterministic stand-ins for real services. */
const handlers: Record<string, Handler> = {
  '/profile': (input) => {
    const data = input.event.data as { email?: string; name?: string };
    return { body: { email: data.email ?? 'someone@example.com', name: data.name ?? 'there', verified: Boolean(data.email) } };
  },
  '/send-email': (input) => {
    const profile = input.steps['fetch-profile'] as { body?: { email?: string } } | undefined;
    return { body: { email_id: `email-${input.ctx.run_id}`, to: profile?.body?.email ?? null } };
  },
  '/follow-up': (input) => ({ body: { followed_up: true, opened: input.async !== null } }),
  '/flaky': (input) => (input.ctx.attempt < 1 ? { status: 503, body: { error: 'try again' } } : { body: { ok: true, attempt: input.ctx.attempt } }),
  '/echo': (input) => ({ body: input }),
};

/**
 * Serve the example steps (`npm start` runs this beside the stack), checking signatures when a key is
 * set; `sdkApp` (an Inngest SDK app's handler) answers under `sdkPath`.
 */
export async function startExamplesService(options: {
  port: number; host: string; signingKey: string; sdkApp?: { path: string; handler: (req: IncomingMessage, res: ServerResponse) => void };
}): Promise<Listening> {
  const server = createServer((req, res) => {
    if (options.sdkApp && (req.url ?? '').split('?')[0] === options.sdkApp.path) return options.sdkApp.handler(req, res);
    void readAll(req).then((raw) => {
      const reply = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (options.signingKey) {
        const verdict = verifySignature(String(req.headers['x-inngest-signature'] ?? ''), raw, options.signingKey, { nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: 300 });
        if (!verdict) return reply(401, { error: 'bad or missing X-Inngest-Signature' });
      }
      const handler = handlers[(req.url ?? '').split('?')[0] ?? ''];
      if (req.method !== 'POST' || !handler) return reply(404, { error: `no example step at ${req.method} ${req.url}` });
      const { status = 200, body } = handler(JSON.parse(raw) as StepInput);
      reply(status, body);
    }).catch(() => res.destroy());
  });
  return listen(server, options);
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
