import { DeleteQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient, createSqsQueue, ensureQueue, QueueSendError } from '../../adapters/sqs';
import { PlatformError } from '../../core/errors';
import { describeQueueConformance } from '../conformance/queue.suite';
import { spawnSqsServer } from '../harness/sqs';
import { harnessEnv } from '../support/harness-env';

const endpoint = (): string => harnessEnv('STEPSTACK_TEST_SQS_ENDPOINT');

let queueNumber = 0;
/** A queue name no other run or test uses. */
const uniqueName = (label: string): string => `${label}-${process.pid}-${Date.now()}-${(queueNumber += 1)}`;

const deleteQueues = async (client: SQSClient, urls: string[]): Promise<void> => {
  await Promise.all(urls.map((QueueUrl) => client.send(new DeleteQueueCommand({ QueueUrl }))));
};

describeQueueConformance('sqs (fauxqs)', async ({ maxReceiveCount, withDeadLetter }) => {
  const client = createSqsClient({ endpoint: endpoint() });
  const name = uniqueName('conformance');
  const deadLetterName = `${name}-dlq`;
  const queueUrl = await ensureQueue(client, name, withDeadLetter ? { deadLetter: { name: deadLetterName, maxReceiveCount: maxReceiveCount ?? 5 } } : {});
  const deadLetterUrl = withDeadLetter ? await ensureQueue(client, deadLetterName) : undefined;
  const queue = createSqsQueue<unknown>({ client, queueUrl });
  const deadLetter = deadLetterUrl === undefined ? undefined : createSqsQueue<unknown>({ client, queueUrl: deadLetterUrl });
  return {
    queue,
    deadLetter,
    async cleanup() {
      await queue.close();
      await deadLetter?.close();
      await deleteQueues(client, deadLetterUrl === undefined ? [queueUrl] : [queueUrl, deadLetterUrl]);
      client.destroy();
    },
  };
});

describe('sqs queue', () => {
  let client: SQSClient;
  const created: string[] = [];

  beforeEach(() => {
    client = createSqsClient({ endpoint: endpoint() });
  });

  afterEach(async () => {
    await deleteQueues(client, created.splice(0));
    client.destroy();
  });

  const newQueueUrl = async (label: string): Promise<string> => {
    const url = await ensureQueue(client, uniqueName(label));
    created.push(url);
    return url;
  };

  it('delivers a delay longer than SQS allows by re-enqueueing until due', async () => {
    // Prepare: a 1 s cap stands for SQS's 15 min.
    const queue = createSqsQueue<string>({ client, queueUrl: await newQueueUrl('long-delay'), maxDelayMs: 1000 });
    const sentAt = Date.now();
    await queue.send([{ body: 'three seconds', delayMs: 3000 }]);
    // Act
    const early = await queue.receive({ max: 10, waitMs: 2000, visibilityMs: 30_000 });
    const due = await queue.receive({ max: 10, waitMs: 5000, visibilityMs: 30_000 });
    const dueAfterMs = Date.now() - sentAt;
    // Assess
    expect(early).toEqual([]);
    expect(due.map((message) => message.body)).toEqual(['three seconds']);
    expect(dueAfterMs).toBeGreaterThanOrEqual(2950);
    expect(due[0]!.receiveCount).toBe(1);
    await queue.close();
  });

  it('splits batches at 10 entries and at 256 KiB', async () => {
    // Prepare: count the batches the client sends (fauxqs itself accepts oversized batches).
    const batchSizes: number[] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') batchSizes.push((args.input as { Entries: unknown[] }).Entries.length);
      return next(args);
    }, { step: 'initialize', name: 'countBatches' });
    const queue = createSqsQueue<string>({ client, queueUrl: await newQueueUrl('split') });
    const hundredKiB = 'x'.repeat(100 * 1024);
    // Act
    await queue.send([...Array.from({ length: 12 }, (_, n) => ({ body: `small ${n}` })), { body: hundredKiB }, { body: hundredKiB }, { body: hundredKiB }]);
    // Assess
    expect(batchSizes).toEqual([10, 4, 1]);
    await queue.close();
  });

  it('retries batch entries that failed, delivering each once', async () => {
    // Prepare: the one fake here. A middleware withholds entries 1 and 7 on the first call and reports them
    // failed as SQS does on a partial failure; everything else is the real client against the real server.
    let firstCall = true;
    const sentIds: string[][] = [];
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as { Entries: { Id: string }[] };
      const withheld = firstCall ? input.Entries.filter((entry) => entry.Id === '1' || entry.Id === '7') : [];
      firstCall = false;
      const entries = input.Entries.filter((entry) => !withheld.includes(entry));
      sentIds.push(entries.map((entry) => entry.Id));
      const result = await next({ ...args, input: { ...input, Entries: entries } as typeof args.input });
      const output = result.output as { Failed?: unknown[] };
      output.Failed = withheld.map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected' }));
      return result;
    }, { step: 'initialize', name: 'failSomeEntriesOnce' });
    const queue = createSqsQueue<number>({ client, queueUrl: await newQueueUrl('retry'), retryBaseMs: 10 });
    // Act
    await queue.send(Array.from({ length: 10 }, (_, n) => ({ body: n })));
    const received: number[] = [];
    for (let round = 0; round < 10 && received.length < 10; round += 1) {
      const messages = await queue.receive({ max: 10, waitMs: 1000, visibilityMs: 30_000 });
      received.push(...messages.map((message) => message.body));
    }
    // Assess
    expect(sentIds).toEqual([['0', '2', '3', '4', '5', '6', '8', '9'], ['1', '7']]);
    expect(received.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await queue.close();
  });

  it('names the entries that keep failing', async () => {
    // Prepare: entry 3 always fails (a server fault), entry 5 once as the sender's fault (never retried).
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName !== 'SendMessageBatchCommand') return next(args);
      const input = args.input as { Entries: { Id: string }[] };
      const failing = input.Entries.filter((entry) => entry.Id === '3' || entry.Id === '5');
      const Failed = failing.map((entry) => ({
        Id: entry.Id, SenderFault: entry.Id === '5', Code: entry.Id === '5' ? 'InvalidParameterValue' : 'InternalError', Message: 'injected',
      }));
      const rest = input.Entries.filter((entry) => !failing.includes(entry));
      // SQS refuses an empty batch: answer a retry of failing entries only as SQS would have.
      if (rest.length === 0) return { output: { Successful: [], Failed, $metadata: {} }, response: {} } as Awaited<ReturnType<typeof next>>;
      const result = await next({ ...args, input: { ...input, Entries: rest } as typeof args.input });
      (result.output as { Failed?: unknown[] }).Failed = Failed;
      return result;
    }, { step: 'initialize', name: 'failEntries' });
    const queue = createSqsQueue<number>({ client, queueUrl: await newQueueUrl('failing'), retryBaseMs: 10, sendAttempts: 3 });
    // Act
    const sending = queue.send(Array.from({ length: 8 }, (_, n) => ({ body: n })));
    // Assess
    await expect(sending).rejects.toBeInstanceOf(QueueSendError);
    await expect(sending).rejects.toThrow('2 of 8 entries not accepted: entries[3] (InternalError: injected), entries[5] (InvalidParameterValue: injected)');
    const delivered = await queue.receive({ max: 10, waitMs: 1000, visibilityMs: 30_000 });
    expect(delivered.map((message) => message.body).sort()).toEqual([0, 1, 2, 4, 6, 7]);
    await queue.close();
  });

  it('ensureQueue creates a queue with its dead-letter queue once, then returns the same one', async () => {
    // Prepare
    const name = uniqueName('ensure');
    // Act
    const first = await ensureQueue(client, name, { deadLetter: { name: `${name}-dlq`, maxReceiveCount: 3 }, visibilityTimeoutSeconds: 45 });
    const second = await ensureQueue(client, name, { deadLetter: { name: `${name}-dlq`, maxReceiveCount: 3 } });
    const deadLetterUrl = await ensureQueue(client, `${name}-dlq`);
    created.push(first, deadLetterUrl);
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: first, AttributeNames: ['All'] }));
    const { Attributes: deadLetterAttributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }));
    // Assess
    expect(second).toBe(first);
    expect(Attributes?.VisibilityTimeout).toBe('45');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ deadLetterTargetArn: deadLetterAttributes?.QueueArn });
    expect(Number(JSON.parse(Attributes?.RedrivePolicy ?? '{}').maxReceiveCount)).toBe(3);
  });

  it('rejects an oversized message without sending any entry', async () => {
    // Prepare
    let batchCalls = 0;
    client.middlewareStack.add((next, context) => async (args) => {
      if (context.commandName === 'SendMessageBatchCommand') batchCalls += 1;
      return next(args);
    }, { step: 'initialize', name: 'countCalls' });
    const queue = createSqsQueue<string>({ client, queueUrl: await newQueueUrl('oversized') });
    // Act
    const sending = queue.send([{ body: 'ok' }, { body: 'x'.repeat(300 * 1024) }]);
    // Assess
    await expect(sending).rejects.toThrow("entries[1]: 307202 bytes is over SQS's message size limit of 262144 bytes");
    expect(batchCalls).toBe(0);
    await queue.close();
  });

  it('answers a ping while the queue exists, and fails naming it once it is gone', async () => {
    // Prepare
    const name = uniqueName('ping');
    const url = await ensureQueue(client, name);
    const queue = createSqsQueue<unknown>({ client, queueUrl: url });
    // Act
    const alive = await queue.ping().then(() => 'ok');
    await deleteQueues(client, [url]);
    const gone = await queue.ping().then(() => 'ok', (error: Error) => error);
    // Assess
    expect(alive).toBe('ok');
    expect(gone).toBeInstanceOf(PlatformError);
    expect((gone as Error).message).toContain(name);
  });

  it('spawnSqsServer runs a separate fauxqs in a child process', async () => {
    // Prepare
    const server = await spawnSqsServer();
    const childClient = createSqsClient({ endpoint: server.endpoint });
    try {
      const queue = createSqsQueue<string>({ client: childClient, queueUrl: await ensureQueue(childClient, 'spawned') });
      // Act
      await queue.send([{ body: 'over there' }]);
      const received = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: 30_000 });
      // Assess
      expect(server.endpoint).not.toBe(endpoint());
      expect(received.map((message) => message.body)).toEqual(['over there']);
    } finally {
      childClient.destroy();
      await server.stop();
    }
  });
});
