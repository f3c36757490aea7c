import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedRedisServer, spawnRedisServer } from '../harness/redis-server';
import { freePort } from '../support/free-port';
import { startStepServer } from '../support/step-server';

const root = join(__dirname, '..', '..');
const SECRETS = {
  EVENT_KEYS: 'evk-5f2c9e71b3',
  API_KEY: 'apik-8d41a0c6e2',
  SIGNING_KEY: 'sigk-3b7e19f04d',
  REDIS_PASSWORD: 'rpw-c0ffee4242/x',
};

/** `npm start`'s entry point with every key set, keeping all it prints. */
async function startStack(env: Record<string, string>): Promise<{ url: string; output(): string; stop(): Promise<void> }> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'local', 'main.ts')], {
    cwd: root, env: { ...process.env, PORT: String(port), EXAMPLES_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString('utf8'); });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`stack exited: ${output}`);
    if (await fetch(`${url}/health`).then((response) => response.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`stack did not start: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    output: () => output,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

describe.each(['text', 'json'])('log lines of an end-to-end run with every key set (%s)', (format) => {
  let redis: SpawnedRedisServer;

  beforeAll(async () => {
    redis = await spawnRedisServer({ password: SECRETS.REDIS_PASSWORD });
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('carry none of the keys, tokens or the Redis password', async () => {
    // Prepare
    const steps = await startStepServer();
    // A function file a user pasted a key into: its rejection quotes the value, a line that would leak it.
    const functionsDir = await mkdtemp(join(tmpdir(), 'stepstack-secrets-'));
    await writeFile(join(functionsDir, 'bad.json'), JSON.stringify({ id: `has ${SECRETS.SIGNING_KEY} in it!`, triggers: [{ event: 'x/y' }], steps: {} }));
    steps.behave('leaky-fail', () => ({ status: 500, body: { error: `echoing ${SECRETS.API_KEY} and ${SECRETS.EVENT_KEYS}` } }));
    const stack = await startStack({
      LOG_FORMAT: format, FUNCTIONS_DIR: functionsDir, EVENT_KEYS: SECRETS.EVENT_KEYS, API_KEY: SECRETS.API_KEY, SIGNING_KEY: SECRETS.SIGNING_KEY,
      REDIS_URL: redis.url, STEPSTACK_NAMESPACE: `secrets-${format}-${process.pid}`, RETRY_BASE: '50ms', RETRY_MAX: '100ms',
    });
    const api = (method: string, path: string, body?: unknown, key = SECRETS.API_KEY) => fetch(`${stack.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}` }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    try {
      // Act: a run with a step that fails, echoing keys, and then succeeds; refused and malformed requests carrying the keys.
      expect((await api('PUT', '/v1/functions/leaky', {
        triggers: [{ event: 'test/leaky' }], retries: { attempts: 1 },
        steps: {
          fail: { runtime: { type: 'http', url: `${steps.url}/leaky-fail` }, after: [{ step: '$trigger' }] },
          ok: { runtime: { type: 'http', url: `${steps.url}/leaky-ok` }, after: [{ step: '$trigger' }] },
        },
      })).status).toBe(200);
      const sent = await fetch(`${stack.url}/e/${SECRETS.EVENT_KEYS}`, { method: 'POST', body: JSON.stringify({ name: 'test/leaky', data: { n: 1 } }) });
      const [eventId] = ((await sent.json()) as { ids: string[] }).ids;
      await fetch(`${stack.url}/e/${SECRETS.EVENT_KEYS}`, { method: 'POST', body: '{"name": ' });
      await fetch(`${stack.url}/e/${SECRETS.EVENT_KEYS}%zz`, { method: 'POST', body: '{}' });
      await fetch(`${stack.url}/e/${SECRETS.EVENT_KEYS}`, { method: 'GET' });
      await api('GET', '/v1/functions', undefined, `${SECRETS.API_KEY}-wrong`);
      await fetch(`${stack.url}/v1/${SECRETS.API_KEY}`, { headers: { authorization: `Bearer ${SECRETS.API_KEY}` } });
      const deadline = Date.now() + 20_000;
      let status = '';
      while (Date.now() < deadline) {
        const runs = (await (await api('GET', `/v1/events/${eventId}/runs`)).json()) as { data: { status: string }[] };
        status = runs.data[0]?.status ?? '';
        if (status === 'Failed' || status === 'Completed') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(status).toBe('Failed');
    } finally {
      await stack.stop();
      await steps.close();
      await rm(functionsDir, { recursive: true, force: true });
    }

    // Assess
    const output = stack.output();
    expect(output).toContain('run started');
    expect(output).toMatch(/function file rejected.*\[redacted\]/);
    const lines = output.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const secret of [SECRETS.EVENT_KEYS, SECRETS.API_KEY, SECRETS.SIGNING_KEY, SECRETS.REDIS_PASSWORD, encodeURIComponent(SECRETS.REDIS_PASSWORD)]) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  }, 60_000);
});
