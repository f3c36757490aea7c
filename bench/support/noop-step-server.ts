import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A no-op step endpoint that timestamps, per run, when each step's request arrived and when its
 * response was written, so the gap between one step's end and the next step's start (the engine's
 * dispatch overhead) is measured on one clock.
 */
export async function startNoopStepServer(): Promise<{
  url: string;
  /** Gaps in ms between the end of a step and the start of the next one, over every run. */
  gaps(): number[];
  stepsDone(): number;
  close(): Promise<void>;
}> {
  const lastEnd = new Map<string, number>();
  const gaps: number[] = [];
  let done = 0;
  const server = createServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const input = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ctx: { run_id: string } };
      const previous = lastEnd.get(input.ctx.run_id);
      if (previous !== undefined) gaps.push(arrived - previous);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}', () => {
        lastEnd.set(input.ctx.run_id, performance.now());
        done += 1;
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gaps: () => gaps,
    stepsDone: () => done,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
