import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StepInput } from '../../core/ports/driver';

export interface StepCall {
  step: string;
  input: StepInput;
  headers: IncomingHttpHeaders;
  raw: string;
}

/** One call's time at the server: from its request's arrival to its answer (or its client going away). */
export interface StepSpan {
  step: string;
  call: StepCall;
  start: number;
  end?: number;
}

/** The most spans open at once (an unended span is open still; an end and a start at the same ms do not overlap). */
export function peakOf(spans: StepSpan[]): number {
  const edges = spans.flatMap((span) => [[span.start, 1], [span.end ?? Number.POSITIVE_INFINITY, -1]] as const);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, change] of edges) {
    open += change;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** `raw` is sent as the body as it is (for bodies JSON.stringify cannot make, such as very deep ones). */
export type StepBehaviour = (call: StepCall, nth: number) => { status?: number; body?: unknown; raw?: string; headers?: Record<string, string>; delayMs?: number };

/**
 * A real HTTP server standing in for users' step endpoints: `POST /<step>` answers 200 with
 * `{ step, attempt }` unless a behaviour says otherwise, and every call is recorded.
 */
export async function startStepServer(): Promise<{
  url: string;
  calls: StepCall[];
  /** Calls whose client went away before the answer was sent, with when (ms). */
  aborts: (StepCall & { at: number })[];
  /** Calls of a step, for one run when given. */
  count(step: string, runId?: string): number;
  /** When each call came and when it was answered (or its client went away), in arrival order. */
  spans: StepSpan[];
  /** The most calls of steps whose name starts with `prefix` that were in progress at once. */
  peak(prefix: string): number;
  behave(step: string, behaviour: StepBehaviour): void;
  close(): Promise<void>;
}> {
  const calls: StepCall[] = [];
  const spans: StepSpan[] = [];
  const aborts: (StepCall & { at: number })[] = [];
  const behaviours = new Map<string, StepBehaviour>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const step = (req.url ?? '/').slice(1).split('?')[0] ?? '';
      const call: StepCall = { step, input: JSON.parse(raw) as StepInput, headers: req.headers, raw };
      calls.push(call);
      const span: StepSpan = { step, call, start: Date.now() };
      spans.push(span);
      res.on('close', () => {
        span.end = Date.now();
      });
      const nth = calls.filter((c) => c.step === step && c.input.ctx.run_id === call.input.ctx.run_id).length;
      const reply = behaviours.get(step)?.(call, nth) ?? {};
      const send = (): void => {
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        res.end(reply.raw ?? JSON.stringify(reply.body ?? { step, attempt: call.input.ctx.attempt }));
      };
      if (!reply.delayMs) {
        send();
        return;
      }
      const timer = setTimeout(send, reply.delayMs);
      res.on('close', () => {
        if (res.writableEnded) return;
        clearTimeout(timer);
        aborts.push({ ...call, at: Date.now() });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    aborts,
    spans,
    peak: (prefix) => peakOf(spans.filter((span) => span.step.startsWith(prefix))),
    count: (step, runId) => calls.filter((call) => call.step === step && (!runId || call.input.ctx.run_id === runId)).length,
    behave: (step, behaviour) => behaviours.set(step, behaviour),
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
