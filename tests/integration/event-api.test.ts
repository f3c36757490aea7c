import { silentLogger } from '../../core/ports/logger';
import { loadSettings } from '../../platform/settings';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { StackClient, sleep } from '../support/stack-client';

describe('Event API and core API answers', () => {
  let stack: LocalStack;
  let client: StackClient;

  beforeAll(async () => {
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', EVENT_KEYS: 'test-key', API_KEY: 'api-secret' });
    stack = await startLocalStack(config, { logger: silentLogger });
    client = new StackClient(stack.url);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const authed = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${stack.url}${path}`, {
      method, headers: { authorization: 'Bearer api-secret', 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: await response.json() };
  };

  it('accepts one event and fills in id, ts and data', async () => {
    // Act
    const before = Date.now();
    const answer = await client.send({ name: 'shop/order.placed' });
    await sleep(100);
    const stored = await authed('GET', `/v1/events/${answer.body.ids![0]}`);
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ids: [expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/)], status: 200 });
    expect(stored.body.data).toMatchObject({ name: 'shop/order.placed', data: {} });
    expect(stored.body.data.ts).toBeGreaterThanOrEqual(before);
  });

  it('keeps unknown top-level fields such as meta', async () => {
    // Act
    const answer = await client.send({ name: 'shop/kept', data: { a: 1 }, meta: { source: 'sdk' }, v: '2' });
    await sleep(100);
    const stored = await authed('GET', `/v1/events/${answer.body.ids![0]}`);
    // Assess
    expect(stored.body.data).toMatchObject({ meta: { source: 'sdk' }, v: '2', data: { a: 1 } });
  });

  it('answers 400 for malformed JSON', async () => {
    // Act
    const answer = await client.send(undefined, { raw: '{"name": "x",' });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.status).toBe(400);
    expect(answer.body.error).toMatch(/malformed JSON/);
  });

  it('names the event and field of a wrong type', async () => {
    // Act
    const badName = await client.send({ name: 42 });
    const badData = await client.send([{ name: 'ok' }, { name: 'ok', data: 'text' }]);
    const reserved = await client.send({ name: 'inngest/function.finished' });
    // Assess
    expect(badName.status).toBe(400);
    expect(badName.body.error).toMatch(/name/);
    expect(badData.status).toBe(400);
    expect(badData.body.error).toContain('events[1].data');
    expect(reserved.status).toBe(400);
    expect(reserved.body.error).toMatch(/reserved/);
  });

  it('publishes nothing of a batch with one bad event', async () => {
    // Prepare
    const goodId = `good-${Date.now()}`;
    // Act
    const answer = await client.send([{ name: 'shop/a', id: goodId }, { name: 'shop/b' }, { data: {} }]);
    await sleep(200);
    const lookup = await authed('GET', `/v1/events/${goodId}`);
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('events[2].name');
    expect(lookup.status).toBe(404);
  });

  it('answers 413 for an oversize body or event, before publishing', async () => {
    // Prepare
    const bigBody = [{ name: 'shop/big', data: { blob: 'x'.repeat(600 * 1024) } }];
    const bigEventId = `big-${Date.now()}`;
    const bigEvent = [{ name: 'shop/big', id: bigEventId, data: { blob: 'y'.repeat(300 * 1024) } }];
    // Act
    const body = await client.send(bigBody);
    const event = await client.send(bigEvent);
    await sleep(100);
    // Assess
    expect(body.status).toBe(413);
    expect(event.status).toBe(413);
    expect(event.body.error).toContain('events[0]');
    expect((await authed('GET', `/v1/events/${bigEventId}`)).status).toBe(404);
  });

  it('answers 401 for a missing or unknown key', async () => {
    // Act
    const missing = await fetch(`${stack.url}/e/`, { method: 'POST', body: '{"name":"a"}' });
    const unknown = await client.send({ name: 'a' }, { key: 'nope' });
    // Assess
    expect(missing.status).toBe(401);
    expect(unknown.status).toBe(401);
  });

  it('guards the core API with the bearer key', async () => {
    // Act
    const open = await fetch(`${stack.url}/v1/functions`);
    const withKey = await authed('GET', '/v1/functions');
    // Assess
    expect(open.status).toBe(401);
    expect(withKey.status).toBe(200);
  });

  it('validates functions put through the API, naming the field', async () => {
    // Act
    const answer = await authed('PUT', '/v1/functions/bad-fn', {
      triggers: [{ event: 'a' }],
      steps: { a: { runtime: { type: 'http', url: 'http://127.0.0.1:1/a' }, after: [{ step: '$trigger', wait: '10x' }] } },
    });
    const missingRun = await authed('GET', '/v1/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV');
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('steps.a.after[0].wait');
    expect(missingRun.status).toBe(404);
  });

  it('manages functions: put, get, list, delete', async () => {
    // Prepare
    const definition = { triggers: [{ event: 'x/y' }], steps: { a: { runtime: { type: 'http', url: 'http://127.0.0.1:1/a' }, after: [{ step: '$trigger' }] } } };
    // Act
    const put = await authed('PUT', '/v1/functions/managed', definition);
    const got = await authed('GET', '/v1/functions/managed');
    const listed = await authed('GET', '/v1/functions');
    const deleted = await authed('DELETE', '/v1/functions/managed');
    const gone = await authed('GET', '/v1/functions/managed');
    // Assess
    expect(put.status).toBe(200);
    expect(got.body.data).toMatchObject({ id: 'managed', name: 'managed' });
    expect(listed.body.data.map((fn: { id: string }) => fn.id)).toContain('managed');
    expect(deleted.status).toBe(200);
    expect(gone.status).toBe(404);
  });

  it('reports health', async () => {
    // Act
    const health = await fetch(`${stack.url}/health`);
    // Assess
    expect(health.status).toBe(200);
  });
});
