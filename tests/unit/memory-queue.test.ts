import { createMemoryQueue } from '../../adapters/memory/queue';
import { PlatformError } from '../../core/errors';
import { describeQueueConformance } from '../conformance/queue.suite';

let queueNumber = 0;

describeQueueConformance(
  'memory',
  async ({ maxReceiveCount, withDeadLetter }) => {
    queueNumber += 1;
    const deadLetter = withDeadLetter ? createMemoryQueue<unknown>({ name: `conformance-${queueNumber}-dlq` }) : undefined;
    const queue = createMemoryQueue<unknown>({ name: `conformance-${queueNumber}`, maxReceiveCount, deadLetter });
    return {
      queue,
      deadLetter,
      cleanup: async () => {
        await queue.close();
        await deadLetter?.close();
      },
    };
  },
  // Memory keeps milliseconds: a tenth of SQS's seconds keeps the suite quick.
  { unitMs: 100 },
);

describe('memory queue', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('delivers a 20-minute delay when it is due, not before', async () => {
    // Prepare
    jest.useFakeTimers();
    const queue = createMemoryQueue<string>({ name: 'long-delay' });
    await queue.send([{ body: 'twenty minutes', delayMs: 20 * 60_000 }]);
    const receive = () => queue.receive({ max: 1, waitMs: 0, visibilityMs: 1000 });
    // Act
    jest.advanceTimersByTime(20 * 60_000 - 1);
    const early = await receive();
    jest.advanceTimersByTime(1);
    const due = await receive();
    // Assess
    expect(early).toEqual([]);
    expect(due.map((message) => message.body)).toEqual(['twenty minutes']);
    await queue.close();
  });

  it('delivers a delay longer than a timer can wait (30 days)', async () => {
    // Prepare
    jest.useFakeTimers();
    const queue = createMemoryQueue<string>({ name: 'month' });
    const thirtyDays = 30 * 24 * 3_600_000;
    await queue.send([{ body: 'next month', delayMs: thirtyDays }]);
    const receive = () => queue.receive({ max: 1, waitMs: 0, visibilityMs: 1000 });
    // Act
    jest.advanceTimersByTime(thirtyDays - 1000);
    const early = await receive();
    jest.advanceTimersByTime(1000);
    const due = await receive();
    // Assess
    expect(early).toEqual([]);
    expect(due.map((message) => message.body)).toEqual(['next month']);
    await queue.close();
  });

  it('wakes every pending receive with nothing on close, and refuses sends after', async () => {
    // Prepare
    const queue = createMemoryQueue<string>({ name: 'closing' });
    const waits = [1, 2, 3].map(() => queue.receive({ max: 1, waitMs: 60_000, visibilityMs: 1000 }));
    // Act
    await queue.close();
    const results = await Promise.all(waits);
    // Assess
    expect(results).toEqual([[], [], []]);
    await expect(queue.send([{ body: 'late' }])).rejects.toBeInstanceOf(PlatformError);
    expect(await queue.receive({ max: 1, waitMs: 60_000, visibilityMs: 1000 })).toEqual([]);
  });

  it('hands each message to one waiter only, in the order they waited', async () => {
    // Prepare
    const queue = createMemoryQueue<number>({ name: 'waiters' });
    const first = queue.receive({ max: 1, waitMs: 5000, visibilityMs: 1000 });
    const second = queue.receive({ max: 5, waitMs: 5000, visibilityMs: 1000 });
    // Act
    await queue.send([1, 2, 3].map((body) => ({ body })));
    const [firstMessages, secondMessages] = await Promise.all([first, second]);
    // Assess
    expect(firstMessages.map((message) => message.body)).toEqual([1]);
    expect(secondMessages.map((message) => message.body)).toEqual([2, 3]);
    await queue.close();
  });

  it('redelivers forever without a dead-letter queue, as SQS without a redrive policy', async () => {
    // Prepare
    const queue = createMemoryQueue<string>({ name: 'no-dlq', maxReceiveCount: 1 });
    await queue.send([{ body: 'stubborn' }]);
    const counts: number[] = [];
    // Act
    for (let delivery = 0; delivery < 3; delivery += 1) {
      const [message] = await queue.receive({ max: 1, waitMs: 0, visibilityMs: 1000 });
      counts.push(message!.receiveCount);
      await queue.setVisibility(message!, 0);
    }
    // Assess
    expect(counts).toEqual([1, 2, 3]);
    await queue.close();
  });

  it('wakes a waiting receive with the message a send brings (bench/components.ts times it)', async () => {
    // Prepare
    const queue = createMemoryQueue<number>({ name: 'latency' });
    const bodies: number[] = [];
    // Act: a long poll of 5 minutes that only a send can end while the test runs.
    for (let round = 0; round < 20; round += 1) {
      const receiving = queue.receive({ max: 1, waitMs: 300_000, visibilityMs: 1000 });
      await queue.send([{ body: round }]);
      const [message] = await receiving;
      bodies.push(message!.body);
      await queue.ack(message!);
    }
    // Assess
    expect(bodies).toEqual(Array.from({ length: 20 }, (_, round) => round));
    await queue.close();
  });

  it('sends, receives and acknowledges 20k messages, each once (bench/components.ts times 100k)', async () => {
    // Prepare
    const queue = createMemoryQueue<{ n: number }>({ name: 'throughput' });
    const total = 20_000;
    const seen = new Set<number>();
    // Act
    for (let offset = 0; offset < total; offset += 10) {
      await queue.send(Array.from({ length: 10 }, (_, index) => ({ body: { n: offset + index } })));
    }
    let received = 0;
    for (;;) {
      const messages = await queue.receive({ max: 10, waitMs: 0, visibilityMs: 60_000 });
      if (messages.length === 0) break;
      received += messages.length;
      for (const message of messages) seen.add(message.body.n);
      await Promise.all(messages.map((message) => queue.ack(message)));
    }
    // Assess
    expect(received).toBe(total);
    expect(seen.size).toBe(total);
    await queue.close();
  });
});
