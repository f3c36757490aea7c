import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHttpDriver, type HttpDriver, type HttpDriverOptions } from '../../adapters/http-driver';
import { verifySignature } from '../../adapters/http-driver/signature';
import { PlatformError } from '../../core/errors';
import { JsonObjectWriter } from '../../core/run/json-object-writer';
import type { StepInput, StepOutcome, StepRequest } from '../../core/ports/driver';
import { freePort } from '../support/free-port';

const KEY = 'signkey-test-http-driver';

interface Received {
  path: string;
  raw: string;
  headers: IncomingHttpHeaders;
}

/** A real step server: each path answers one way, every request is recorded. */
async function startServer(): Promise<{ url: string; received: Received[]; connections: () => number; closedRequests: () => number; close(): Promise<void> }> {
  const received: Received[] = [];
  let connections = 0;
  let closedRequests = 0;
  const servedOn = new WeakSet<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path, raw, headers: req.headers });
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      switch (path) {
        case '/json': return json(200, { ok: true, attempt: (JSON.parse(raw) as StepInput).ctx.attempt });
        case '/text': res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('hello, plain text');
        case '/created': res.writeHead(201); return res.end();
        case '/missing': return json(404, { error: 'no such user' });
        case '/boom': return json(500, { error: 'database down' });
        case '/boom-final': return json(500, { error: 'bad data' }, { 'X-Inngest-No-Retry': 'true' });
        case '/redirect': res.writeHead(302, { location: '/json' }); return res.end();
        case '/slow': return void setTimeout(() => json(200, { late: true }), 2000);
        case '/hang': return void req.socket.once('close', () => { closedRequests += 1; });
        case '/big-declared': res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '4096' }); return res.end('x'.repeat(4096));
        case '/big-streamed': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          const timer = setInterval(() => res.write('y'.repeat(512)), 1);
          return void res.on('close', () => clearInterval(timer));
        }
        case '/signed': {
          const header = String(req.headers['x-inngest-signature'] ?? '');
          const ok = verifySignature(header, raw, KEY, { nowSeconds: Math.floor(Date.now() / 1000), toleranceSeconds: 300 });
          return ok ? json(200, { verified: true }) : json(401, { error: 'bad signature' });
        }
        case '/drop-reused': {
          // A kept-alive socket the server drops as the next request arrives: the close race.
          if (servedOn.has(req.socket)) return req.socket.destroy();
          servedOn.add(req.socket);
          return json(200, { fresh: true });
        }
        default: return json(200, {});
      }
    });
  });
  server.on('connection', () => { connections += 1; });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    closedRequests: () => closedRequests,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function input(attempt = 0): StepInput {
  return {
    event: { id: '01JD0000000000000000000000', name: 'app/user.created', data: { email: 'ada@example.com', note: 'ünïcödé ✓' }, ts: 1_700_000_000_000 } as unknown as StepInput['event'],
    steps: { fetch: { status: 200, body: { n: 1 } } },
    async: null,
    ctx: { fn_id: 'fn-1', step_id: 'step-1', run_id: 'run-1', attempt },
  };
}

function request(url: string, overrides: Partial<StepRequest> = {}): StepRequest {
  return { input: input(), runtime: { type: 'http', url }, timeoutMs: 5000, signal: new AbortController().signal, ...overrides };
}

/** Sockets created and connect attempts made while `act` runs, from Node's own diagnostics channel. */
async function watchSockets<T>(act: () => Promise<T>): Promise<{ result: T; sockets: number; attempts: string[] }> {
  let sockets = 0;
  const attempts: string[] = [];
  const onSocket = (message: unknown) => {
    sockets += 1;
    (message as { socket: Socket }).socket.on('connectionAttempt', (address: string) => attempts.push(address));
  };
  subscribe('net.client.socket', onSocket);
  try {
    return { result: await act(), sockets, attempts };
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

describe('HTTP driver against a real server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const drivers: HttpDriver[] = [];
  const driver = (options: HttpDriverOptions = {}) => {
    const created = createHttpDriver(options);
    drivers.push(created);
    return created;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    for (const created of drivers) created.close();
    await server.close();
  });

  it('succeeds with the JSON body on 200', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/json`, { input: input(3) }));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { status: 200, body: { ok: true, attempt: 3 } } });
  });

  it('succeeds with the text body on a text 200', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/text`));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { status: 200, body: 'hello, plain text' } });
  });

  it('succeeds with a null body on 201 with an empty body', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/created`));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { status: 201, body: null } });
  });

  it('POSTs the exact input JSON with the right headers', async () => {
    // Prepare
    const sent = input(1);
    // Act
    await driver({ userAgent: 'stepstack-test' }).run(request(`${server.url}/echo`, { input: sent }));
    // Assess
    const call = server.received.find((r) => r.path === '/echo');
    expect(call?.raw).toBe(JSON.stringify(sent));
    expect(JSON.parse(call?.raw ?? 'null')).toEqual(sent);
    expect(call?.headers['content-type']).toBe('application/json');
    expect(call?.headers['user-agent']).toBe('stepstack-test');
    expect(call?.headers['x-inngest-signature']).toBeUndefined();
  });

  it('fails for good on 404, keeping the response as output', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/missing`));
    // Assess
    expect(outcome).toEqual({
      kind: 'failure', retryable: false,
      error: `HTTP 404 from ${server.url}/missing: {"error":"no such user"}`,
      output: { status: 404, body: { error: 'no such user' } },
    });
  });

  it('fails retryably on 500', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/boom`));
    // Assess
    expect(outcome).toMatchObject({ kind: 'failure', retryable: true, output: { status: 500, body: { error: 'database down' } } });
    expect((outcome as { error: string }).error).toMatch(/^HTTP 500 from http:\/\/127\.0\.0\.1:\d+\/boom/);
  });

  it('fails for good on 500 with X-Inngest-No-Retry: true', async () => {
    // Act
    const outcome = await driver().run(request(`${server.url}/boom-final`));
    // Assess
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false, output: { status: 500 } });
    expect((outcome as { error: string }).error).toContain('X-Inngest-No-Retry');
  });

  it('does not follow a 302 and fails for good saying so', async () => {
    // Prepare
    const before = server.received.filter((r) => r.path === '/json').length;
    // Act
    const outcome = await driver().run(request(`${server.url}/redirect`));
    // Assess
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false, output: { status: 302 } });
    expect((outcome as { error: string }).error).toContain('redirects are not followed (Location: /json)');
    expect(server.received.filter((r) => r.path === '/json').length).toBe(before);
  });

  it('fails retryably when the server is slower than the step timeout', async () => {
    // Prepare
    const started = Date.now();
    // Act
    const outcome = await driver().run(request(`${server.url}/slow`, { timeoutMs: 150 }));
    // Assess
    expect(outcome).toEqual({ kind: 'failure', retryable: true, error: `POST ${server.url}/slow timed out after 150ms` });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('fails retryably when the connection is refused', async () => {
    // Prepare
    const port = await freePort();
    // Act
    const outcome = await driver().run(request(`http://127.0.0.1:${port}/step`));
    // Assess
    expect(outcome).toEqual({ kind: 'failure', retryable: true, error: `connection refused by 127.0.0.1:${port} (POST http://127.0.0.1:${port}/step)` });
  });

  it('fails retryably when the name does not resolve', async () => {
    // Prepare
    const resolve = async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }); };
    // Act
    const outcome = await driver({ resolve }).run(request('http://nowhere.test/step'));
    // Assess
    expect(outcome).toEqual({ kind: 'failure', retryable: true, error: 'DNS lookup of nowhere.test failed (ENOTFOUND) (POST http://nowhere.test/step)' });
  });

  it('signs requests so the server verifies them, and a wrong key is rejected', async () => {
    // Act
    const good = await driver({ signingKey: KEY }).run(request(`${server.url}/signed`));
    const bad = await driver({ signingKey: 'wrong-key' }).run(request(`${server.url}/signed`));
    // Assess
    expect(good).toEqual({ kind: 'success', output: { status: 200, body: { verified: true } } });
    expect(bad).toMatchObject({ kind: 'failure', retryable: false, output: { status: 401 } });
    const header = String(server.received.filter((r) => r.path === '/signed')[0]?.headers['x-inngest-signature']);
    expect(header).toMatch(/^t=\d+&s=[0-9a-f]{64}$/);
  });

  it('sends the executor\'s prepared JSON of `steps` framed in place: the same body, signed over all of it', async () => {
    // Prepare
    const steps = new JsonObjectWriter(8);
    steps.append('"fetch":{"status":200,"body":{"n":1}}');
    steps.append('"ünï":"✓"');
    const given = { ...input(), steps: { fetch: { status: 200, body: { n: 1 } }, ünï: '✓' } };
    // Act
    const outcome = await driver({ signingKey: KEY }).run(request(`${server.url}/signed`, { input: given, stepsJson: steps }));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { status: 200, body: { verified: true } } });
    const sent = server.received.filter((r) => r.path === '/signed').at(-1);
    expect(sent?.raw).toBe(JSON.stringify(given));
    expect(Number(sent?.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(given)));
  });

  it.each(['/big-declared', '/big-streamed'])('stops reading an oversize response (%s) and fails for good naming the limit', async (path) => {
    // Act
    const outcome = await driver({ maxResponseBytes: 1024 }).run(request(`${server.url}${path}`));
    // Assess
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false });
    expect((outcome as { error: string }).error).toContain('over the limit of 1 KiB (maxResponseBytes)');
  });

  it('aborts the request and throws PlatformError when the signal aborts', async () => {
    // Prepare
    const controller = new AbortController();
    const closedBefore = server.closedRequests();
    setTimeout(() => controller.abort(new Error('executor draining')), 100);
    // Act
    const running = driver().run(request(`${server.url}/hang`, { signal: controller.signal }));
    // Assess
    await expect(running).rejects.toBeInstanceOf(PlatformError);
    await expect(running).rejects.toThrow('executor draining');
    await waitFor(() => server.closedRequests() > closedBefore);
    expect(server.closedRequests()).toBe(closedBefore + 1);
  });

  it('throws PlatformError without calling when the signal is already aborted', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort(new Error('draining'));
    const before = server.received.length;
    // Act
    const running = driver().run(request(`${server.url}/json`, { signal: controller.signal }));
    // Assess
    await expect(running).rejects.toBeInstanceOf(PlatformError);
    expect(server.received.length).toBe(before);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/', 'http://[fe80::1]:8080/step', 'http://[::ffff:169.254.170.2]/v2/credentials',
    'http://[fd00:ec2::23]/v1/credentials', 'http://[64:ff9b::169.254.169.254]/latest/meta-data/', 'http://[64:ff9b:1::a00:1]/step', 'http://0xa9fea9fe/',
  ])('refuses %s without opening a socket', async (url) => {
    // Act
    const watched = await watchSockets(() => driver().run(request(url)));
    // Assess
    expect(watched.result).toMatchObject({ kind: 'failure', retryable: false });
    expect((watched.result as { error: string }).error).toContain('allowLinkLocal');
    expect(watched.sockets).toBe(0);
  });

  it('refuses a hostname that resolves to 169.254.169.254, before any connect attempt', async () => {
    // Prepare
    const asked: string[] = [];
    const resolve = async (hostname: string) => {
      asked.push(hostname);
      return [{ address: '169.254.169.254', family: 4 as const }];
    };
    // Act
    const watched = await watchSockets(() => driver({ resolve }).run(request('http://rebind.test/step')));
    // Assess
    expect(asked).toEqual(['rebind.test']);
    expect(watched.result).toMatchObject({ kind: 'failure', retryable: false });
    expect((watched.result as { error: string }).error).toContain('refused to connect to 169.254.169.254');
    expect(watched.attempts).toEqual([]);
  });

  it('with allowLinkLocal, lets a link-local address through to a connect attempt', async () => {
    // Prepare: fe80::1 without an interface is rejected by the kernel (EINVAL), so no packet leaves this machine.
    const resolve = async () => [{ address: 'fe80::1', family: 6 as const }];
    // Act
    const watched = await watchSockets(() => driver({ resolve, allowLinkLocal: true }).run(request('http://metadata.test/step')));
    // Assess
    expect(watched.attempts).toEqual(['fe80::1']);
    expect(watched.result).toMatchObject({ kind: 'failure', retryable: true });
    expect((watched.result as { error: string }).error).not.toContain('allowLinkLocal');
  });

  it('keeps the connection alive across calls and retries once on a socket the server dropped', async () => {
    // Prepare
    const http = driver();
    const connectionsBefore = server.connections();
    // Act
    const first = await http.run(request(`${server.url}/json`));
    const second = await http.run(request(`${server.url}/json`));
    const reusedThenDropped = [await http.run(request(`${server.url}/drop-reused`)), await http.run(request(`${server.url}/drop-reused`))];
    // Assess
    expect([first.kind, second.kind]).toEqual(['success', 'success']);
    expect(reusedThenDropped.map((outcome: StepOutcome) => outcome.kind)).toEqual(['success', 'success']);
    expect(server.connections() - connectionsBefore).toBe(2);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
