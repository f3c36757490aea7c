import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createMemoryQueue } from '../../adapters/memory/queue';
import type { StreamMessage } from '../../core/events/stream';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/ports/logger';
import type { Queue } from '../../core/ports/queue';
import type { StateStore } from '../../core/ports/state';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import * as coreApi from '../../lambda/core-api';
import { createMemorySessionStore } from '../../adapters/memory/sessions';
import type { EngineHandlerDeps } from '../../lambda/deps';
import * as eventApi from '../../lambda/event-api';
import type { EventApiDeps } from '../../lambda/event-api-deps';

const clock = { now: () => Date.parse('2026-11-28T12:00:00Z') };

function makeEventApiDeps(overrides: Partial<EventApiDeps> & { stream?: Queue<StreamMessage> } = {}): EventApiDeps {
  const { stream = createMemoryQueue<StreamMessage>(), ...rest } = overrides;
  return {
    intake: { stream, clock, newId },
    logger: silentLogger,
    config: { eventKeys: ['key-1'], maxBodyBytes: 1024 },
    health: async () => {},
    ...rest,
  };
}

/** An HTTP API (payload 2.0) request as API Gateway hands it to Lambda. */
function httpEvent(method: string, path: string, options: { body?: string; base64?: boolean; headers?: Record<string, string> } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0', routeKey: `${method} ${path}`, rawPath: path, rawQueryString: '', headers: options.headers ?? {},
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: options.base64 ?? false,
    ...(options.body === undefined ? {} : { body: options.body }),
  };
}
const json = (result: APIGatewayProxyStructuredResultV2): unknown => JSON.parse(String(result.body));

describe('event API handler', () => {
  it('answers 200 with the ids once the stream holds the events, decoding a base64 body', async () => {
    // Prepare
    const stream = createMemoryQueue<StreamMessage>();
    const handler = eventApi.makeHandler(() => makeEventApiDeps({ stream }));
    const body = Buffer.from(JSON.stringify([{ name: 'user/signed.up', data: { plan: 'pro' } }, { name: 'user/deleted', id: 'evt-2' }])).toString('base64');

    // Act
    const result = await handler(httpEvent('POST', '/e/key-1', { body, base64: true }));

    // Assess
    expect(result.statusCode).toBe(200);
    const answer = json(result) as { ids: string[]; status: number };
    expect(answer.status).toBe(200);
    expect(answer.ids).toHaveLength(2);
    expect(answer.ids[1]).toBe('evt-2');
    const queued = await stream.receive({ max: 10, waitMs: 0, visibilityMs: 1000 });
    expect(queued.map((message) => message.body.event.name)).toEqual(['user/signed.up', 'user/deleted']);
    expect(queued[0]!.body.event.data).toEqual({ plan: 'pro' });
  });

  it('answers 400 naming the field and publishes nothing of a bad batch; 401 for an unknown key', async () => {
    // Prepare
    const stream = createMemoryQueue<StreamMessage>();
    const handler = eventApi.makeHandler(() => makeEventApiDeps({ stream }));

    // Act
    const bad = await handler(httpEvent('POST', '/e/key-1', { body: JSON.stringify([{ name: 'ok' }, { data: {} }]) }));
    const unknownKey = await handler(httpEvent('POST', '/e/other', { body: JSON.stringify({ name: 'ok' }) }));

    // Assess
    expect(bad.statusCode).toBe(400);
    expect((json(bad) as { error: string }).error).toContain('events[1].name');
    expect(unknownKey.statusCode).toBe(401);
    expect(await stream.receive({ max: 10, waitMs: 0, visibilityMs: 1000 })).toEqual([]);
  });

  it('answers GET /health 200 when the stream answers, 503 naming the fault when it does not', async () => {
    // Prepare
    const healthy = eventApi.makeHandler(() => makeEventApiDeps());
    const sick = eventApi.makeHandler(() => makeEventApiDeps({ health: () => Promise.reject(new Error('queue unreachable')) }));

    // Act
    const ok = await healthy(httpEvent('GET', '/health'));
    const down = await sick(httpEvent('GET', '/health'));

    // Assess
    expect([ok.statusCode, json(ok)]).toEqual([200, { status: 'ok' }]);
    expect(down.statusCode).toBe(503);
    expect((json(down) as { error: string }).error).toContain('queue unreachable');
  });
});

describe('core API handler', () => {
  it('requires the bearer key, then serves the function registry', async () => {
    // Prepare
    const state = { listFunctions: async () => [{ id: 'welcome-flow' }] } as unknown as StateStore;
    const deps: EngineHandlerDeps = {
      engine: { state, queue: createMemoryQueue<WorkItem>(), clock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 1000, newId },
      runner: undefined as never,
      logger: silentLogger,
      apiKey: 'api-secret',
    };
    const handler = coreApi.makeHandler(() => deps);

    // Act
    const anonymous = await handler(httpEvent('GET', '/v1/functions'));
    const authorized = await handler(httpEvent('GET', '/v1/functions', { headers: { Authorization: 'Bearer api-secret' } }));

    // Assess
    expect(anonymous.statusCode).toBe(401);
    expect(authorized.statusCode).toBe(200);
    expect(json(authorized)).toEqual({ data: [{ id: 'welcome-flow' }] });
  });
});

describe('core API handler serving the dashboard (AWS)', () => {
  it('serves GET / from the packed assets and logs in with a Secure cookie over the HTTP API (https)', async () => {
    // Prepare
    const deps: EngineHandlerDeps = {
      engine: { state: { listFunctions: async () => [] } as unknown as StateStore, queue: createMemoryQueue<WorkItem>(), clock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 1000, newId },
      runner: undefined as never,
      logger: silentLogger,
      apiKey: 'api-secret',
    };
    const assets = { file: (path: string) => (path === 'index.html' ? { body: Buffer.from('<!doctype html><title>Stepstack</title>'), type: 'text/html; charset=utf-8' } : undefined) };
    const handler = coreApi.makeHandler(() => deps, () => ({ assets, sessions: createMemorySessionStore(clock) }));
    const headers = { host: 'abc.execute-api.eu-west-1.amazonaws.com', origin: 'https://abc.execute-api.eu-west-1.amazonaws.com', 'x-forwarded-proto': 'https', 'content-type': 'application/json' };

    // Act
    const page = await handler(httpEvent('GET', '/'));
    const login = await handler(httpEvent('POST', '/auth/login', { body: JSON.stringify({ key: 'api-secret' }), headers }));
    const cookie = String(login.headers?.['set-cookie'] ?? login.cookies?.[0] ?? '');
    const runs = await handler(httpEvent('GET', '/v1/functions', { headers: { ...headers, cookie: cookie.split(';')[0]! } }));

    // Assess
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('<title>Stepstack</title>');
    expect(login.statusCode).toBe(200);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']));
    expect(runs.statusCode).toBe(200);
  });
});
