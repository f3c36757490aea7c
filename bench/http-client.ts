import http from 'node:http';
import { createConnections } from '../adapters/http-driver/connections';
import { post } from '../adapters/http-driver/exchange';
import { startNoopStepProcess } from './support/noop-step-process';

/**
 * Decision 041's figures: the client CPU of one no-op step POST through the drivers' exchange
 * (undici) against a plain node:http request with a keep-alive agent (what the drivers used
 * before), CONCURRENCY at once against the no-op step server in a process of its own, alternating.
 * Run with `npx tsx bench/http-client.ts`.
 */
const CALLS = Number(process.env.CALLS ?? 20_000);
const CONCURRENCY = 20;
const ROUNDS = 3;

const body = Buffer.from(JSON.stringify({
  event: { name: 'bench/chain', data: {}, id: '01JD0000000000000000000000', ts: 0 },
  steps: { s0: { status: 200, body: { ok: true } } }, async: null,
  ctx: { fn_id: 'chain', step_id: 's1', run_id: '01JD0000000000000000000001', attempt: 0 },
}));
const headers = { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'stepstack-bench' };

type Call = (path: string) => Promise<void>;

function nodeHttpCall(origin: string): { call: Call; close(): void } {
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const call: Call = (path) => new Promise((resolve, reject) => {
    const request = http.request(`${origin}${path}`, { method: 'POST', agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    request.on('error', reject);
    request.end(body);
  });
  return { call, close: () => agent.destroy() };
}

function exchangeCall(origin: string): { call: Call; close(): void } {
  const connections = createConnections(async () => [{ address: '127.0.0.1', family: 4 }], false);
  const call: Call = async (path) => {
    const url = new URL(`${origin}${path}`);
    // A signal per call, as the executor hands each step its own.
    const { signal } = new AbortController();
    const exchange = await post(connections, { url, display: url.pathname, body, headers, timeoutMs: 10_000, signal, maxResponseBytes: 1 << 20 });
    JSON.parse(exchange.body.toString('utf8'));
  };
  return { call, close: () => void connections.destroy() };
}

async function measure(call: Call): Promise<{ perSecond: number; cpuMicros: number }> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < CALLS) {
      next += 1;
      await call(`/s1?call=${next}`);
    }
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: CALLS / ((performance.now() - started) / 1000), cpuMicros: (cpu.user + cpu.system) / CALLS };
}

export async function benchHttpClient(): Promise<void> {
  const server = await startNoopStepProcess();
  const clients = { 'node:http': nodeHttpCall(server.url), 'exchange (undici)': exchangeCall(server.url) };
  try {
    for (const client of Object.values(clients)) await measure(client.call); // warm-up: JIT, connections
    console.log(`\nHTTP client: ${CALLS} no-op POSTs, ${CONCURRENCY} at once, step server in its own process (${ROUNDS} alternating rounds)`);
    for (let round = 0; round < ROUNDS; round += 1) {
      for (const [name, client] of Object.entries(clients)) {
        const { perSecond, cpuMicros } = await measure(client.call);
        console.log(`  ${name.padEnd(18)} ${perSecond.toFixed(0).padStart(7)} calls/s  ${cpuMicros.toFixed(1).padStart(6)} µs client CPU per call`);
      }
    }
  } finally {
    for (const client of Object.values(clients)) client.close();
    await server.close();
  }
}

if (require.main === module) {
  benchHttpClient().then(() => process.exit(0), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
