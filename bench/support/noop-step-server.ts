import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NoopStepServer {
  url: string;
  /** Gaps in ms between the end of a step and the start of the next one, over every run. */
  gaps(): number[];
  stepsDone(): number;
  /** Counts a step that ran in the bench process (bench/support/inline-step-driver.ts) as if it had been called. */
  recordInline(runId: string): void;
  /** Resolves once `total` steps are done in all. */
  whenDone(total: number): Promise<void>;
  /** Resolves once `count` steps of run `runId` are done. */
  whenRunDone(runId: string, count: number): Promise<void>;
  close(): Promise<void>;
}

/** Bytes at the end of a body that hold its `ctx` (a few ids): anything longer is read whole. */
const TAIL_BYTES = 1024;

/**
 * The run id of a step input. `ctx` is the input's last field: decoding only the body's tail keeps
 * the server's cost (it shares the machine with the bench) from growing with the outputs a step is
 * handed, about 10 KB at depth 250 of a chain of 500 (decoding them all cost the server 20 µs a step).
 */
function runIdOf(chunks: Buffer[]): string {
  const last = chunks[chunks.length - 1] ?? Buffer.alloc(0);
  const tail = (last.length >= TAIL_BYTES || chunks.length === 1 ? last : Buffer.concat(chunks)).subarray(-TAIL_BYTES).toString('utf8');
  const at = tail.lastIndexOf('"ctx":');
  const ctx = at >= 0 ? (JSON.parse(tail.slice(at + 6, -1)) as { run_id?: string }) : undefined;
  return ctx?.run_id ?? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ctx: { run_id: string } }).ctx.run_id;
}

/**
 * A no-op step endpoint that timestamps, per run, when each step's request arrived and when its
 * response was written, so the gap between one step's end and the next step's start (the engine's
 * dispatch overhead) is measured on one clock.
 */
export async function startNoopStepServer(options: { onStepEnded?: () => void } = {}): Promise<NoopStepServer> {
  const lastEnd = new Map<string, number>();
  const perRun = new Map<string, number>();
  const runWaiters = new Map<string, { count: number; resolve: () => void }>();
  const totalWaiters: { total: number; resolve: () => void }[] = [];
  const gaps: number[] = [];
  let done = 0;
  const stepEnded = (runId: string): void => {
    lastEnd.set(runId, performance.now());
    done += 1;
    const count = (perRun.get(runId) ?? 0) + 1;
    perRun.set(runId, count);
    const waiter = runWaiters.get(runId);
    if (waiter && count >= waiter.count) {
      runWaiters.delete(runId);
      waiter.resolve();
    }
    for (let i = totalWaiters.length - 1; i >= 0; i -= 1) {
      if (done >= totalWaiters[i]!.total) totalWaiters.splice(i, 1)[0]!.resolve();
    }
    options.onStepEnded?.();
  };
  const server = createServer((req, res) => {
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const runId = runIdOf(chunks);
      const previous = lastEnd.get(runId);
      if (previous !== undefined) gaps.push(arrived - previous);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}', () => stepEnded(runId));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    recordInline: (runId) => {
      const previous = lastEnd.get(runId);
      if (previous !== undefined) gaps.push(performance.now() - previous);
      stepEnded(runId);
    },
    gaps: () => gaps,
    stepsDone: () => done,
    whenDone: (total) => new Promise((resolve) => {
      if (done >= total) resolve();
      else totalWaiters.push({ total, resolve });
    }),
    whenRunDone: (runId, count) => new Promise((resolve) => {
      if ((perRun.get(runId) ?? 0) >= count) resolve();
      else runWaiters.set(runId, { count, resolve });
    }),
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
