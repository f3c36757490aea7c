import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { createApp } from '../../api/app';
import { DEFAULT_MAX_BODY_BYTES } from '../../api/event-api';
import type { StreamMessage } from '../../core/events/stream';
import { newId } from '../../core/ids';
import type { Logger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { containerEventApi } from '../../ecs/event-api-app';
import { makeHandler as eventApiLambda } from '../../lambda/event-api';
import { stageIntake } from '../../platform/compose/intake';
import { loadSettings } from '../../platform/settings';
import { redisStateFor } from '../../platform/state';
import { spawnRedisServer } from '../harness/redis-server';
import { type SpawnedSqsServer, spawnSqsServer } from '../harness/sqs';
import { type Served, overLambda, overNode } from '../support/http-servers';

const KEY = 'event-key-1';
const API_KEY = 'api-key-1';
const clock = { now: () => Date.now() };

/** JSON nested `levels` deep: arrays inside an event's data. */
const nested = (levels: number): string => {
  const data = `${'['.repeat(levels - 2)}1${']'.repeat(levels - 2)}`;
  return `{"name":"test/deep","data":{"v":${data}}}`;
};

interface Recorder extends Logger {
  lines: { level: string; message: string; fields: Record<string, unknown> }[];
}
function recorder(): Recorder {
  const lines: Recorder['lines'] = [];
  const log = (level: string) => (message: string, fields: Record<string, unknown> = {}) => void lines.push({ level, message, fields });
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

describe.each(['local', 'lambda', 'container'] as const)('the HTTP application on the %s server', (kind) => {
  let sqs: SpawnedSqsServer;
  let served: Served;
  let buggy: Served;
  let closeStream: () => Promise<void>;
  const logger = recorder();
  const opened: { close(): Promise<void> }[] = [];
  const engine = (): EngineDeps => {
    const state = createMemoryStateStore({ clock });
    const queue = createMemoryQueue<WorkItem>();
    opened.push(state, queue);
    return { state, queue, clock, logger, retry: defaultRetrySettings, retentionMs: 60_000, newId };
  };

  beforeAll(async () => {
    sqs = await spawnSqsServer();
    const { ensureQueue, createSqsClient } = await import('../../adapters/sqs');
    const client = createSqsClient({ endpoint: sqs.endpoint });
    const queueUrl = await ensureQueue(client, `http-app-${kind}-${process.pid}`);
    client.destroy();
    const settings = loadSettings({ EVENT_KEYS: KEY, API_KEY, SQS_ENDPOINT: sqs.endpoint, EVENT_STREAM_URL: queueUrl });
    const config = { eventKeys: settings.EVENT_KEYS, maxBodyBytes: DEFAULT_MAX_BODY_BYTES };
    // A bug: the id generator throws a TypeError, as a programming error would.
    const bug = (): string => {
      throw new TypeError('cannot read properties of undefined');
    };
    const bugIntake = { stream: createMemoryQueue<StreamMessage>(), clock, newId: bug };
    opened.push(bugIntake.stream);
    if (kind === 'local') {
      const stage = stageIntake(settings);
      closeStream = stage.close;
      served = await overNode(createApp({ logger, events: { intake: stage.intake, config }, core: { engine: engine(), apiKey: API_KEY }, health: stage.health, localGuard: { allowedHosts: [] } }));
      buggy = await overNode(createApp({ logger, events: { intake: bugIntake, config }, localGuard: { allowedHosts: [] } }));
    } else if (kind === 'lambda') {
      const stage = stageIntake(settings);
      closeStream = stage.close;
      served = overLambda(() => createApp({ logger, events: { intake: stage.intake, config }, core: { engine: engine(), apiKey: API_KEY }, health: stage.health }));
      // The Event API Lambda's own handler, over deps with the bug.
      const handler = eventApiLambda(() => ({ intake: bugIntake, logger, config, health: async () => {} }));
      buggy = { ...overLambda(() => createApp({ logger })), call: async (method, path, init = {}) => {
        const result = await handler({
          version: '2.0', routeKey: '$default', rawPath: path, rawQueryString: '', headers: init.headers ?? {}, isBase64Encoded: false,
          requestContext: { requestId: 'lambda-bug-1', http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' } } as never,
          ...(init.body === undefined ? {} : { body: String(init.body) }),
        });
        return { status: result.statusCode ?? 0, headers: (result.headers ?? {}) as Record<string, string>, body: JSON.parse(String(result.body)) };
      } };
    } else {
      const container = containerEventApi(settings, logger);
      closeStream = container.close;
      served = await overNode(container.app);
      buggy = await overNode(createApp({ logger, events: { intake: bugIntake, config } }));
    }
  });

  afterAll(async () => {
    await served?.close();
    await buggy?.close();
    await closeStream?.();
    await sqs?.stop();
    await Promise.all(opened.map((resource) => resource.close()));
  });

  it('accepts events on POST /e/{key} and answers /health', async () => {
    // Act
    const accepted = await served.call('POST', `/e/${KEY}`, { body: '{"name":"test/ok","data":{"a":1}}' });
    const health = await served.call('GET', '/health');

    // Assess
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ ids: [expect.any(String)], status: 200 });
    expect(accepted.headers['x-request-id']).toEqual(expect.any(String));
    expect([health.status, health.body]).toEqual([200, { status: 'ok' }]);
  });

  it('answers a wrong method on a known route 405 with Allow', async () => {
    // Act
    const answer = await served.call('GET', `/e/${KEY}`);

    // Assess
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('POST');
    expect(answer.body).toEqual({ error: 'GET is not allowed here: use POST', status: 405 });
  });

  it('answers an unknown route 404', async () => {
    // Act
    const answer = await served.call('GET', '/nowhere');

    // Assess
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('no route GET /nowhere');
  });

  it('answers a malformed escape in the path or the query 400, naming it', async () => {
    // Act
    const inPath = await served.call('POST', '/e/%E0%A4%A', { body: '{"name":"x"}' });
    const inQuery = await served.call('POST', `/e/${KEY}?q=%zz`, { body: '{"name":"x"}' });

    // Assess
    expect(inPath.status).toBe(400);
    expect(inPath.body.error).toMatch(/^URL: "%E0%A4%A" is a malformed escape: write % as %25/);
    expect(inQuery.status).toBe(400);
    expect(inQuery.body.error).toContain('"%zz"');
  });

  it('accepts a body nested 64 levels and refuses 65 with 400 naming the limit', async () => {
    // Act
    const at64 = await served.call('POST', `/e/${KEY}`, { body: nested(64) });
    const at65 = await served.call('POST', `/e/${KEY}`, { body: nested(65) });
    const deep = await served.call('POST', `/e/${KEY}`, { body: `${'['.repeat(5000)}${']'.repeat(5000)}` });

    // Assess
    expect(at64.status).toBe(200);
    expect(at65.status).toBe(400);
    expect(at65.body.error).toBe('body: nested deeper than 64 levels: the limit is 64; send flatter JSON');
    expect(deep.status).toBe(400);
  });

  it('answers a body over 512 KiB 413', async () => {
    // Act
    const answer = await served.call('POST', `/e/${KEY}`, { body: `{"name":"big","data":{"s":"${'x'.repeat(DEFAULT_MAX_BODY_BYTES)}"}}` });

    // Assess
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatch(/over 524288 bytes/);
  });

  it('answers an unknown event key 401', async () => {
    // Act
    const answer = await served.call('POST', '/e/not-a-key', { body: '{"name":"x"}' });

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ error: 'unknown event key', status: 401 });
  });

  it(kind === 'container' ? 'mounts no core API (the container serves events and health only)' : 'guards the core API with its bearer key (401), then serves it', async () => {
    // Act
    const anonymous = await served.call('GET', '/v1/functions');
    const authorized = await served.call('GET', '/v1/functions', { headers: { authorization: `Bearer ${API_KEY}` } });
    const wrongMethod = await served.call('PATCH', '/v1/functions/x', { headers: { authorization: `Bearer ${API_KEY}` } });

    // Assess
    if (kind === 'container') {
      expect([anonymous.status, authorized.status, wrongMethod.status]).toEqual([404, 404, 404]);
      return;
    }
    expect(anonymous.status).toBe(401);
    expect([authorized.status, authorized.body]).toEqual([200, { data: [] }]);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET, PUT, DELETE, HEAD');
  });

  it('answers a thrown bug 500 with a request id that the log line also carries', async () => {
    // Act
    const answer = await buggy.call('POST', `/e/${KEY}`, { body: '{"name":"test/bug"}' });

    // Assess
    expect(answer.status).toBe(500);
    const requestId = answer.body.request_id as string;
    expect(requestId).toEqual(expect.any(String));
    expect(answer.body.error).toBe(`internal error: the logs carry request id ${requestId}`);
    expect(answer.headers['x-request-id']).toBe(requestId);
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ requestId, route: '/e/:eventKey' }) }));
    if (kind === 'lambda') expect(requestId).toBe('lambda-bug-1');
  });

  // Last: it stops the event stream's server.
  it('answers 503 when the event stream is down, and /health says so', async () => {
    // Prepare
    await sqs.stop();

    // Act
    const answer = await served.call('POST', `/e/${KEY}`, { body: '{"name":"test/down"}' });
    const health = await served.call('GET', '/health');

    // Assess
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('the event stream did not answer: send the request again later');
    expect(health.status).toBe(503);
  });
});

describe.each(['node server', 'lambda'] as const)('the core API on the %s when its state store is down', (kind) => {
  it('answers 503 naming the state store, not 500', async () => {
    // Prepare
    const redis = await spawnRedisServer();
    const state = redisStateFor(loadSettings({ REDIS_URL: redis.url, STEPSTACK_NAMESPACE: `http-app-${process.pid}` }));
    const queue = createMemoryQueue<WorkItem>();
    const engine: EngineDeps = { state, queue, clock, logger: recorder(), retry: defaultRetrySettings, retentionMs: 60_000, newId };
    const build = () => createApp({ logger: recorder(), core: { engine, apiKey: '' } });
    const served = kind === 'lambda' ? overLambda(build) : await overNode(build());
    try {
      const before = await served.call('GET', '/v1/functions');
      await redis.stop();

      // Act
      const after = await served.call('GET', '/v1/functions');

      // Assess
      expect(before.status).toBe(200);
      expect(after.status).toBe(503);
      expect(after.body.error).toBe('the state store did not answer: send the request again later');
    } finally {
      await served.close();
      await state.close();
      await queue.close();
    }
  }, 30_000);
});
