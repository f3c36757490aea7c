import { Writable } from 'node:stream';
import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { consoleLogger } from '../../platform/logging';
import { loadSettings } from '../../platform/settings';
import { defineFunction } from '../support/functions';
import { freePort } from '../support/free-port';
import { rawRequest, watchHealth } from '../support/raw-http';
import { StackProcess } from '../support/stack-process';

/** Issue 9, the platform's part: safe local defaults, logs that cannot be forged, start-up that tells the truth. */
describe('the open local stack (no keys set)', () => {
  let stack: LocalStack;
  let host: string;

  beforeAll(async () => {
    stack = await startLocalStack(loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', ALLOWED_HOSTS: 'devbox.lan' }), { logger: silentLogger });
    host = new URL(stack.url).host;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it.each([
    ['a page rebinding its name to 127.0.0.1 reads runs', 'GET', '/v1/functions', undefined],
    ['… registers a function', 'PUT', '/v1/functions/pwned', '{"triggers":[{"event":"x/y"}],"steps":{"a":{"runtime":{"type":"http","url":"http://127.0.0.1:9/a"}}}}'],
    ['… sends events', 'POST', '/e/dev', '{"name":"x/y"}'],
  ])('refuses a foreign Host: %s', async (_case, method, path, body) => {
    // Prepare
    const health = watchHealth(stack.url);

    // Act
    const answer = await rawRequest(stack.url, { method, path, headers: { host: 'attacker.example:8288', 'content-type': 'application/json' }, ...(body ? { body } : {}) });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatch(/^Host "attacker\.example:8288" refused: .* answers only localhost, 127\.0\.0\.1, \[::1\]; to serve it under another name on purpose, set ALLOWED_HOSTS=<name>/);
    expect(await stack.state.getFunction('pwned')).toBeUndefined();
    const watched = await health.stop();
    expect(watched.failures).toEqual([]);
    expect(watched.slowestMs).toBeLessThan(1000);
  });

  it.each([
    ['a cross-site form post (Origin elsewhere, text/plain)', { origin: 'https://evil.example', 'content-type': 'text/plain' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['a sandboxed page (Origin: null)', { origin: 'null' }],
  ])('refuses %s, saying how to open it up', async (_case, headers) => {
    // Act
    const events = await rawRequest(stack.url, { method: 'POST', path: '/e/dev', headers: { host, ...headers }, body: '{"name":"x/y"}' });
    const runs = await rawRequest(stack.url, { path: '/v1/functions', headers: { host, ...headers } });

    // Assess
    expect(events.status).toBe(403);
    expect(events.body.error).toMatch(/^cross-site request refused .*to accept requests from other sites on purpose, set EVENT_KEYS/);
    expect(runs.status).toBe(403);
    expect(runs.body.error).toMatch(/set API_KEY \(callers then authenticate\)$/);
  });

  it.each([
    ['localhost', { host: 'localhost' }],
    ['127.0.0.1 with its port', { host: '' }],
    ['[::1]', { host: '[::1]:8288' }],
    ['a name in ALLOWED_HOSTS', { host: 'devbox.lan:8288' }],
    ['its own page (same origin)', { host: '', origin: '' , 'sec-fetch-site': 'same-origin' }],
  ])('serves %s', async (_case, headers) => {
    // Prepare: '' stands for this stack's own host and origin.
    const filled = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, value === '' ? (name === 'origin' ? stack.url : host) : value]));

    // Act
    const answer = await rawRequest(stack.url, { method: 'POST', path: '/e/dev', headers: filled, body: '{"name":"x/y"}' });

    // Assess
    expect(answer.status).toBe(200);
  });
});

describe('the local stack with keys set', () => {
  it('serves any Host and Origin to callers with the keys', async () => {
    // Prepare
    const stack = await startLocalStack(loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', EVENT_KEYS: 'ek', API_KEY: 'ak' }), { logger: silentLogger });
    try {
      // Act
      const events = await rawRequest(stack.url, { method: 'POST', path: '/e/ek', headers: { host: 'stepstack.internal', origin: 'https://app.example' }, body: '{"name":"x/y"}' });
      const core = await rawRequest(stack.url, { path: '/v1/functions', headers: { host: 'stepstack.internal', authorization: 'Bearer ak' } });

      // Assess
      expect(events.status).toBe(200);
      expect(core.status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});

describe('logs that cannot be forged', () => {
  it('escapes control characters of a client-chosen event id: one record stays one line', async () => {
    // Prepare
    const lines: string[] = [];
    let pending = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        pending += chunk.toString('utf8');
        const parts = pending.split('\n');
        pending = parts.pop() ?? '';
        lines.push(...parts);
        done();
      },
    });
    const fn = defineFunction({ id: 'forge-target', triggers: [{ event: 'test/forge' }] }, { only: { after: [{ step: '$trigger' }] } });
    const stack = await startLocalStack(loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0' }), { logger: consoleLogger({ stream }), functions: [fn] });
    const forgedId = 'evt-1\n09:00:00.000 error FORGED admin logged in\u001b[2K\r\u2028';
    try {
      // Act
      const answer = await fetch(`${stack.url}/e/dev`, { method: 'POST', body: JSON.stringify({ name: 'test/forge', id: forgedId }) });
      expect(answer.status).toBe(200);
      const deadline = Date.now() + 10_000;
      while (!lines.some((line) => line.includes('run started')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await stack.stop();
    }

    // Assess
    const started = lines.filter((line) => line.includes('run started'));
    expect(started).toHaveLength(1);
    expect(started[0]).toContain('eventId=evt-1\\n09:00:00.000 error FORGED admin logged in\\u001b[2K\\r\\u2028');
    expect(lines.filter((line) => line.startsWith('09:00:00.000'))).toEqual([]);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(lines.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u2028\u2029]/);
  });
});

describe('start-up that tells the truth', () => {
  it('refuses to start when REDIS_URL names a Redis that does not answer, instead of falling back to memory', async () => {
    // Prepare
    const port = await freePort();
    const stackProcess = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent', REDIS_URL: `redis://:secret-pw@127.0.0.1:${port}` });

    // Act
    const started = stackProcess.start();

    // Assess
    await expect(started).rejects.toThrow(/stack exited with 1: .*stepstack: REDIS_URL: Redis at 127\.0\.0\.1:\d+ did not answer \(.*\): start it, or unset REDIS_URL to keep state in memory/s);
    expect(stackProcess.logTail()).not.toContain('secret-pw');
  });

  it('refuses to start when SQS_ENDPOINT does not answer', async () => {
    // Prepare
    const port = await freePort();
    const stackProcess = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent', SQS_ENDPOINT: `http://127.0.0.1:${port}` });

    // Act
    const started = stackProcess.start();

    // Assess
    await expect(started).rejects.toThrow(/SQS_ENDPOINT: http:\/\/127\.0\.0\.1:\d+ did not answer .*: start that SQS server, or unset SQS_ENDPOINT to keep the queues in memory/s);
  }, 60_000);

  it('says on the in-memory defaults that nothing survives a restart, and how to keep it', async () => {
    // Prepare
    const stackProcess = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent' });

    // Act
    await stackProcess.start();
    await stackProcess.stop();

    // Assess
    expect(stackProcess.logTail()).toMatch(/warn +state and queues are in memory: nothing this stack accepts .* survives a restart; to keep it, set REDIS_URL/);
  });
});
