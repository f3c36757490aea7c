import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createRedisStateStore } from '../../adapters/redis';
import { createSqsClient, ensureQueue } from '../../adapters/sqs';
import { streamMessage } from '../../core/events/stream';
import { WORK_ITEM_FORMAT } from '../../core/run/work-item';

/**
 * `npx serverless invoke local -f <fn> --stage local` for real: the bundled handlers, run by the
 * Serverless CLI, against the test harness' SQS-compatible server (fauxqs) and Redis.
 */
const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

let client: SQSClient;
let queueUrl: string;
let workDir: string;

const redisUrl = (): string => {
  const value = process.env.STEPSTACK_TEST_REDIS_URL;
  if (!value) throw new Error('STEPSTACK_TEST_REDIS_URL is not set: run with --selectProjects integration');
  return value;
};

const endpoint = (): string => {
  const value = process.env.STEPSTACK_TEST_SQS_ENDPOINT;
  if (!value) throw new Error('STEPSTACK_TEST_SQS_ENDPOINT is not set: run with --selectProjects integration');
  return value;
};

/** The handler's answer: `invoke local` prints it as the last JSON document on stdout. */
function lastJson<T>(stdout: string): T {
  const start = stdout.lastIndexOf('\n{');
  return JSON.parse(stdout.slice(start < 0 ? stdout.indexOf('{') : start + 1)) as T;
}

/** Run one function of serverless.yml's `local` stage on `event`, its settings in the environment. */
async function invokeLocal<T>(fn: string, event: object, settings: Record<string, string>): Promise<T> {
  const eventPath = path.join(workDir, `${fn}-${Date.now()}.json`);
  await writeFile(eventPath, JSON.stringify(event));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', SQS_ENDPOINT: endpoint(),
    STEPSTACK_ESBUILD_DIR: `.esbuild/deploy-invoke-local-${fn}`, ...settings,
  };
  // `timeout`: after a failure the CLI may hang on its esbuild child.
  const { stdout } = await run('timeout', ['120', 'npx', 'serverless', 'invoke', 'local', '-f', fn, '--stage', 'local', '--path', eventPath], {
    cwd: ROOT, env, maxBuffer: 16 * 2 ** 20,
  });
  return lastJson<T>(stdout);
}

/** An SQS trigger's event as Lambda hands it over. */
const sqsEvent = (records: { messageId: string; body: string }[]) => ({
  Records: records.map(({ messageId, body }) => ({
    messageId, body, receiptHandle: `r-${messageId}`, md5OfBody: '', eventSource: 'aws:sqs', awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:stepstack-local-events', messageAttributes: {},
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'local', ApproximateFirstReceiveTimestamp: '0' },
  })),
});

/** An HTTP API (payload 2.0) request as API Gateway hands it to the Lambda. */
const postEvent = (eventKey: string, body: unknown) => ({
  version: '2.0', routeKey: 'POST /e/{eventKey}', rawPath: `/e/${eventKey}`, rawQueryString: '',
  headers: { 'content-type': 'application/json' },
  requestContext: { http: { method: 'POST', path: `/e/${eventKey}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } },
  pathParameters: { eventKey },
  body: Buffer.from(JSON.stringify(body)).toString('base64'),
  isBase64Encoded: true,
});

beforeAll(async () => {
  client = createSqsClient({ endpoint: endpoint() });
  queueUrl = await ensureQueue(client, `stepstack-invoke-local-${process.pid}-${Date.now()}`);
  workDir = await mkdtemp(path.join(tmpdir(), 'stepstack-invoke-'));
});

afterAll(async () => {
  await client?.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  client?.destroy();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('serverless invoke local --stage local', () => {
  it('eventApi answers 200 with the id, and the event is on the queue', async () => {
    // Prepare
    const event = { name: 'user/signed.up', data: { plan: 'pro' }, id: `evt-${Date.now()}` };

    // Act
    const result = await invokeLocal<{ statusCode: number; body: string }>('eventApi', postEvent('local-key', event), { EVENT_STREAM_URL: queueUrl, EVENT_KEYS: 'local-key' });
    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ ids: [event.id], status: 200 });
    expect(received.Messages).toHaveLength(1);
    expect(JSON.parse(received.Messages![0]!.Body!)).toEqual({ format: 1, event: expect.objectContaining({ name: 'user/signed.up', id: event.id, data: { plan: 'pro' } }) });
  }, 150_000);

  it('runner keeps the event in Redis and reports only the record it could not read', async () => {
    // Prepare
    const keyPrefix = `invoke-local-${process.pid}`;
    const event = { name: 'user/signed.up', data: {}, id: `evt-runner-${Date.now()}`, ts: Date.now() };
    const state = createRedisStateStore({ url: redisUrl(), keyPrefix });

    try {
      // Act
      const result = await invokeLocal<unknown>('runner', sqsEvent([{ messageId: 'good', body: JSON.stringify({ format: 1, event }) }, { messageId: 'bad', body: 'not json' }]), {
        REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: keyPrefix, STEP_QUEUE_URL: queueUrl,
      });

      // Assess
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
      expect(await state.getEvent(event.id)).toEqual(expect.objectContaining({ id: event.id, name: 'user/signed.up' }));
    } finally {
      await state.close();
    }
  }, 150_000);
  it('coreApi answers the function registry behind its bearer key, and 401 without it', async () => {
    // Prepare
    const keyPrefix = `invoke-local-core-${process.pid}`;
    const state = createRedisStateStore({ url: redisUrl(), keyPrefix });
    await state.putFunction({ id: 'listed', name: 'listed', triggers: [{ event: 'test/listed' }], steps: { a: { after: [{ step: '$trigger' }], runtime: { type: 'http', url: 'http://127.0.0.1:9/a' } } } } as never);
    const get = (authorization?: string) => ({
      version: '2.0', routeKey: 'ANY /v1/{proxy+}', rawPath: '/v1/functions', rawQueryString: '',
      headers: authorization ? { authorization } : {},
      requestContext: { http: { method: 'GET', path: '/v1/functions', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' } },
      pathParameters: { proxy: 'functions' }, isBase64Encoded: false,
    });
    const settings = { REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: keyPrefix, STEP_QUEUE_URL: queueUrl, API_KEY: 'core-key' };

    try {
      // Act
      const allowed = await invokeLocal<{ statusCode: number; body: string }>('coreApi', get('Bearer core-key'), settings);
      const refused = await invokeLocal<{ statusCode: number }>('coreApi', get(), settings);

      // Assess
      expect(allowed.statusCode).toBe(200);
      expect(JSON.stringify(JSON.parse(allowed.body))).toContain('"id":"listed"');
      expect(refused.statusCode).toBe(401);
    } finally {
      await state.close();
    }
  }, 300_000);

  it('deadLetters settles a work item of a run that is gone and reports only the record it could not read', async () => {
    // Prepare
    const item = { format: WORK_ITEM_FORMAT, kind: 'step', runId: 'run-that-does-not-exist', functionId: 'fn', stepId: 'a', attempt: 0, dueAt: 0 };

    // Act
    const result = await invokeLocal<unknown>('deadLetters', sqsEvent([{ messageId: 'gone', body: JSON.stringify(item) }, { messageId: 'bad', body: '{' }]), {
      REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: `invoke-local-dl-${process.pid}`, STEP_QUEUE_URL: queueUrl,
    });

    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
  }, 150_000);

  it('cron looks back ten minutes and counts the functions with cron triggers', async () => {
    // Prepare
    const keyPrefix = `invoke-local-cron-${process.pid}`;
    const state = createRedisStateStore({ url: redisUrl(), keyPrefix });
    await state.putFunction({ id: 'hourly', name: 'hourly', triggers: [{ cron: '0 * * * *' }], steps: { a: { after: [{ step: '$trigger' }], runtime: { type: 'http', url: 'http://127.0.0.1:9/a' } } } } as never);

    try {
      // Act
      const result = await invokeLocal<{ from: string; to: string; functions: number }>('cron', { 'detail-type': 'Scheduled Event', source: 'aws.events' }, {
        REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: keyPrefix, STEP_QUEUE_URL: queueUrl,
      });

      // Assess
      expect(result.functions).toBe(1);
      expect(Date.parse(result.to) - Date.parse(result.from)).toBe(10 * 60_000);
    } finally {
      await state.close();
    }
  }, 150_000);
  it('eventDeadLetters keeps each dead event to be sent again, and reports only the record it could not read', async () => {
    // Prepare
    const keyPrefix = `invoke-local-dead-events-${process.pid}`;
    const event = { name: 'user/signed.up', data: {}, id: `evt-dead-${Date.now()}`, ts: Date.now() };
    const state = createRedisStateStore({ url: redisUrl(), keyPrefix });

    try {
      // Act
      const result = await invokeLocal<unknown>('eventDeadLetters', sqsEvent([{ messageId: 'dead', body: JSON.stringify(streamMessage(event)) }, { messageId: 'bad', body: 'not json' }]), {
        REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: keyPrefix, STEP_QUEUE_URL: queueUrl,
      });

      // Assess
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
      expect((await state.getDeadEvent(event.id))?.event).toEqual(expect.objectContaining({ id: event.id, name: 'user/signed.up' }));
    } finally {
      await state.close();
    }
  }, 150_000);
});
