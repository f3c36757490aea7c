import { responses } from '../../api/api-schemas';
import { coreRoutes } from '../../api/core-api';
import { type Operation, operations } from '../../api/openapi';
import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { registrationToken } from '../../core/sdk/registration-token';
import { loadSettings } from '../../platform/settings';
import { startStepServer } from '../support/step-server';

const API_KEY = 'api-key-for-tests-0123';
const auth = { authorization: `Bearer ${API_KEY}` };

/** The routes the app serves, in OpenAPI's path style. */
const served = [...coreRoutes.map(([method, path]) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`), 'POST /e/{eventKey}', 'GET /health'];

/** Hex: SDK apps register with a token made of it. */
const SIGNING_KEY = 'signkey-test-00112233445566778899aabbccddeeff';

describe('GET /v1/openapi.json against the route table', () => {
  let stack: LocalStack;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  const ids = { runId: '', eventId: '', functionId: 'openapi-fn' };

  const call = async (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any }> => {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    steps = await startStepServer();
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', API_KEY, EVENT_KEYS: 'ev-key', STEPSTACK_NAMESPACE: `openapi-${process.pid}`, SIGNING_KEY });
    stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
    const fn = { id: ids.functionId, name: 'OpenAPI', triggers: [{ event: 'test/openapi' }], steps: { a: { runtime: { type: 'http', url: `${steps.url}/a` }, after: [{ step: '$trigger' }] } } };
    expect((await call('PUT', `/v1/functions/${ids.functionId}`, { body: fn, headers: auth })).status).toBe(200);
    const sent = await call('POST', '/e/ev-key', { body: { name: 'test/openapi', data: {} } });
    ids.eventId = sent.body.ids[0];
    for (let tries = 0; tries < 400 && !ids.runId; tries += 1) {
      const runs = await call('GET', `/v1/events/${ids.eventId}/runs`, { headers: auth });
      if (runs.body.data?.[0]?.status === 'Completed') ids.runId = runs.body.data[0].run_id;
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(ids.runId).not.toBe('');
  });

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
  });

  /** Requests that make each documented answer of an operation (status: the answer it must give). */
  const examples = (): Record<string, { path: string; body?: unknown; status: 200 | 400 | 404 | 413 | 503; headers?: Record<string, string> }[]> => ({
    'POST /e/{eventKey}': [{ path: '/e/ev-key', body: { name: 'test/other' }, status: 200 }, { path: '/e/ev-key', body: { data: {} }, status: 400 }],
    'GET /health': [{ path: '/health', status: 200 }],
    'GET /v1/runs': [{ path: `/v1/runs?function_id=${ids.functionId}&limit=5`, status: 200 }, { path: '/v1/runs?limit=0', status: 400 }],
    'GET /v1/runs/{runId}': [{ path: `/v1/runs/${ids.runId}`, status: 200 }, { path: '/v1/runs/nope', status: 404 }],
    'POST /v1/runs/{runId}/cancel': [{ path: `/v1/runs/${ids.runId}/cancel`, status: 200 }, { path: '/v1/runs/nope/cancel', status: 404 }],
    'POST /v1/runs/{runId}/rerun': [
      { path: `/v1/runs/${ids.runId}/rerun`, body: {}, status: 200 }, { path: `/v1/runs/${ids.runId}/rerun`, body: { from_step: 'zz' }, status: 400 },
      { path: '/v1/runs/nope/rerun', body: {}, status: 404 },
    ],
    'GET /v1/runs/{runId}/attempts': [{ path: `/v1/runs/${ids.runId}/attempts`, status: 200 }, { path: '/v1/runs/nope/attempts', status: 404 }],
    'POST /v1/events': [{ path: '/v1/events', body: { name: 'test/from-api', data: { a: 1 } }, status: 200 }, { path: '/v1/events', body: { name: '' }, status: 400 }],
    'POST /v1/cancellations': [
      { path: '/v1/cancellations', body: { function_id: ids.functionId, started_after: '2026-01-01T00:00:00Z', started_before: '2030-01-01T00:00:00Z' }, status: 200 },
      { path: '/v1/cancellations', body: { function_id: ids.functionId }, status: 400 },
    ],
    'GET /v1/events': [{ path: '/v1/events?name=test%2Fopenapi', status: 200 }, { path: '/v1/events?dead=true', status: 200 }, { path: '/v1/events?from=x', status: 400 }],
    'GET /v1/events/{eventId}': [{ path: `/v1/events/${ids.eventId}`, status: 200 }, { path: '/v1/events/nope', status: 404 }],
    'GET /v1/events/{eventId}/runs': [{ path: `/v1/events/${ids.eventId}/runs`, status: 200 }],
    'POST /v1/events/{eventId}/resend': [{ path: '/v1/events/nope/resend', status: 404 }],
    'GET /v1/functions': [{ path: '/v1/functions', status: 200 }],
    'GET /v1/functions/{id}': [{ path: `/v1/functions/${ids.functionId}`, status: 200 }, { path: '/v1/functions/nope', status: 404 }],
    'PUT /v1/functions/{id}': [
      { path: '/v1/functions/openapi-other', body: { name: 'x', triggers: [{ event: 'x/y' }], steps: { a: { runtime: { type: 'http', url: `${steps.url}/a` }, after: [{ step: '$trigger' }] } } }, status: 200 },
      { path: '/v1/functions/openapi-other', body: { name: 'x' }, status: 400 },
    ],
    'DELETE /v1/functions/{id}': [{ path: '/v1/functions/openapi-other', status: 200 }, { path: '/v1/functions/openapi-other', status: 404 }],
    'GET /v1/openapi.json': [{ path: '/v1/openapi.json', status: 200 }],
    'POST /fn/register': [
      { path: '/fn/register', body: { appName: 'openapi-app', url: 'http://127.0.0.1:9/api/inngest', functions: [] }, headers: { authorization: `Bearer ${registrationToken(SIGNING_KEY)}` }, status: 200 },
      { path: '/fn/register', body: { appName: 'openapi-app' }, headers: { authorization: `Bearer ${registrationToken(SIGNING_KEY)}` }, status: 400 },
    ],
    'GET /v1/apps': [{ path: '/v1/apps', status: 200 }],
    // Port 9 of loopback answers nothing: the sync fails, naming the app's URL.
    'POST /v1/apps': [{ path: '/v1/apps', body: {}, status: 400 }, { path: '/v1/apps', body: { url: 'http://127.0.0.1:9/api/inngest' }, status: 400 }],
    'DELETE /v1/apps/{appId}': [{ path: '/v1/apps/openapi-app', status: 200 }, { path: '/v1/apps/openapi-app', status: 404 }],
  });

  it('documents every route the app serves, and only those', () => {
    // Prepare
    const documented = operations.map((operation) => `${operation.method} ${operation.path}`);
    // Assess: a new route needs its entry in api/openapi.ts
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('is an OpenAPI 3.1 document with every operation, behind the key', async () => {
    // Act
    const withKey = await call('GET', '/v1/openapi.json', { headers: auth });
    const without = await call('GET', '/v1/openapi.json');
    // Assess
    expect(withKey.status).toBe(200);
    expect(withKey.body.openapi).toBe('3.1.0');
    for (const operation of operations) {
      const entry = withKey.body.paths[operation.path]?.[operation.method.toLowerCase()];
      expect(entry).toBeDefined();
      for (const status of Object.keys(operation.answers)) expect(entry.responses[status].content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
    }
    for (const name of Object.keys(responses)) expect(withKey.body.components.schemas[name]).toBeDefined();
    expect(without.status).toBe(401);
  });

  it('answers every documented operation as described: the status, and a body of the documented shape', async () => {
    // Prepare
    const all = examples();
    expect(Object.keys(all).sort()).toEqual(operations.map((operation) => `${operation.method} ${operation.path}`).sort());
    for (const operation of operations as Operation[]) {
      for (const example of all[`${operation.method} ${operation.path}`]!) {
        // Act
        const answer = await call(operation.method, example.path, { ...(example.body === undefined ? {} : { body: example.body }), headers: { ...auth, ...example.headers } });
        // Assess
        const shape = operation.answers[example.status];
        expect({ op: `${operation.method} ${example.path}`, status: answer.status }).toEqual({ op: `${operation.method} ${example.path}`, status: example.status });
        expect(shape).toBeDefined();
        const checked = responses[shape!].safeParse(answer.body);
        if (!checked.success) throw new Error(`${operation.method} ${example.path}: the answer does not match '${shape}': ${checked.error.message}\n${JSON.stringify(answer.body).slice(0, 400)}`);
      }
    }
  });

  it('answers 401 on every core API route without the key or with a wrong one', async () => {
    for (const [method, path] of coreRoutes) {
      const concrete = path.replace(/:(\w+)/g, 'x');
      // Act
      const without = await call(method, concrete, { ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) });
      const wrong = await call(method, concrete, { headers: { authorization: 'Bearer wrong-key' }, ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }) });
      // Assess
      expect({ route: `${method} ${path}`, without: without.status, wrong: wrong.status }).toEqual({ route: `${method} ${path}`, without: 401, wrong: 401 });
    }
  });
});
