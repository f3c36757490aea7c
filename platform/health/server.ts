import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DaemonMetrics } from './metrics';

export interface HealthServerOptions {
  /** 0: any free port (tests). */
  port: number;
  metrics: DaemonMetrics;
  /** More Prometheus text for `/metrics` (the engine's figures). */
  moreMetrics?: () => Promise<string>;
  /** The daemon's state: healthy only while RUNNING. */
  state(): string;
  /** A receive must have answered within this long. @default 60_000 (three long polls) */
  pollStaleMs?: number;
  now?(): number;
}

/**
 * A queue daemon's health and metrics, on 127.0.0.1 only (the executor's stepstack-health.timer and
 * boot check, the ECS runner's container health check; nothing outside the machine or task can):
 * `GET /health` answers 200 while the daemon runs and its queue answers, 503 otherwise; `GET /metrics`
 * gives the counters in Prometheus' text format.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<{ port: number; close(): Promise<void> }> {
  const now = options.now ?? Date.now;
  const staleMs = options.pollStaleMs ?? 60_000;
  const server: Server = createServer((request, response) => {
    const { metrics } = options;
    if (request.method === 'GET' && request.url === '/health') {
      const state = options.state();
      const pollAgeMs = metrics.lastPollAt === 0 ? null : now() - metrics.lastPollAt;
      const healthy = state === 'RUNNING' && pollAgeMs !== null && pollAgeMs <= staleMs;
      const reason = healthy ? undefined : state !== 'RUNNING' ? `the daemon is ${state}` : pollAgeMs === null ? 'no receive from its queue yet' : `its queue last answered ${Math.round(pollAgeMs / 1000)} s ago`;
      response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: healthy ? 'ok' : 'unhealthy', ...(reason ? { reason } : {}), state, stepsInFlight: metrics.stepsInFlight, pollAgeMs }));
      return;
    }
    if (request.method === 'GET' && request.url === '/metrics') {
      const lines = [
        ['stepstack_steps_in_flight', 'gauge', 'Work items being handled now', metrics.stepsInFlight],
        ['stepstack_steps_done_total', 'counter', 'Work items handled and acknowledged', metrics.stepsDone],
        ['stepstack_steps_failed_total', 'counter', 'Work items left for a retry or whose handling failed', metrics.stepsFailed],
        ['stepstack_queue_polls_total', 'counter', 'Receives from the queue', metrics.polls],
        ['stepstack_queue_poll_errors_total', 'counter', 'Receives from the queue that failed', metrics.pollErrors],
        ['stepstack_queue_poll_seconds', 'gauge', 'Duration of the last receive, long-poll wait included', metrics.lastPollMs / 1000],
      ] as const;
      const own = lines.map(([name, type, help, value]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`).join('');
      (options.moreMetrics ? options.moreMetrics() : Promise.resolve('')).then(
        (more) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(own + more),
        () => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(own),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"GET /health or /metrics"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
