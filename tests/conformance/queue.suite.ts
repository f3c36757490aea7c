import { ValidationError } from '../../core/errors';
import type { Queue, QueueMessage } from '../../core/ports/queue';

export interface QueueUnderTest {
  queue: Queue<unknown>;
  /** The dead-letter queue, when asked `withDeadLetter`. */
  deadLetter?: Queue<unknown>;
  /** Delete what the test created; called even when a test closed the queue itself. */
  cleanup(): Promise<void>;
}

export type MakeQueue = (options: { maxReceiveCount?: number; withDeadLetter?: boolean }) => Promise<QueueUnderTest>;

export interface ConformanceOptions {
  /** The time unit of delays and visibilities: SQS counts whole seconds, memory can go faster. @default 1000 */
  unitMs?: number;
}

const LONG_VISIBILITY_MS = 30_000;

/** Receive until `count` messages came or `waitMs` passed, checking `max` on every receive. */
async function receiveAll(queue: Queue<unknown>, count: number, waitMs: number, max = 10): Promise<QueueMessage<unknown>[]> {
  const received: QueueMessage<unknown>[] = [];
  const deadline = Date.now() + waitMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await queue.receive({ max, waitMs: Math.min(1000, deadline - Date.now()), visibilityMs: LONG_VISIBILITY_MS });
    expect(batch.length).toBeLessThanOrEqual(max);
    received.push(...batch);
  }
  return received;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One behaviour for every adapter of the queue port: the event stream and the step queue rely on it.
 * Each test gets queues of its own, and cleans them up.
 */
export function describeQueueConformance(name: string, makeQueue: MakeQueue, options: ConformanceOptions = {}): void {
  const unit = options.unitMs ?? 1000;

  describe(`queue conformance: ${name}`, () => {
    const made: QueueUnderTest[] = [];
    const make = async (queueOptions: Parameters<MakeQueue>[0] = {}): Promise<QueueUnderTest> => {
      const underTest = await makeQueue(queueOptions);
      made.push(underTest);
      return underTest;
    };

    afterEach(async () => {
      await Promise.all(made.splice(0).map((underTest) => underTest.cleanup()));
    });

    it('sends, receives and acknowledges a message', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send([{ body: { hello: 'world' } }]);
      // Act
      const [message, ...rest] = await queue.receive({ max: 10, waitMs: 2000, visibilityMs: LONG_VISIBILITY_MS });
      await queue.ack(message!);
      const after = await queue.receive({ max: 10, waitMs: 0, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(rest).toEqual([]);
      expect(message).toMatchObject({ body: { hello: 'world' }, receiveCount: 1 });
      expect(typeof message!.receipt).toBe('string');
      expect(after).toEqual([]);
    });

    it('keeps JSON bodies intact, as copies', async () => {
      // Prepare
      const { queue } = await make();
      const body: { list: unknown[] } & Record<string, unknown> = { text: 'héllo ✓ 🚀 "quoted" \n\t\u0000 \uFFFF \uD800', n: 12.5, big: 2 ** 53 - 1, list: [1, null, { deep: [true, false] }], empty: {} };
      const bodies = [body, 'a plain string', 42, null, [1, 2, 3]];
      // Act
      await queue.send(bodies.map((each) => ({ body: each })));
      body.list.push('changed after send');
      const received = await receiveAll(queue, bodies.length, 5000);
      // Assess
      const expected = [{ ...body, list: [1, null, { deep: [true, false] }] }, 'a plain string', 42, null, [1, 2, 3]];
      expect(received.map((message) => message.body)).toEqual(expect.arrayContaining(expected));
      expect(received).toHaveLength(expected.length);
    });

    it('sends 25 messages at once and delivers each, at most `max` per receive', async () => {
      // Prepare
      const { queue } = await make();
      const entries = Array.from({ length: 25 }, (_, n) => ({ body: { n } }));
      // Act
      await queue.send(entries);
      const received = await receiveAll(queue, 25, 10_000, 7);
      // Assess
      const numbers = received.map((message) => (message.body as { n: number }).n).sort((a, b) => a - b);
      expect(numbers).toEqual(entries.map((entry) => entry.body.n));
    });

    it('respects max', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send(Array.from({ length: 5 }, (_, n) => ({ body: n })));
      await sleep(100);
      // Act
      const received = await queue.receive({ max: 2, waitMs: 2000, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(received.length).toBeGreaterThanOrEqual(1);
      expect(received.length).toBeLessThanOrEqual(2);
    });

    it('hides a delayed message until its delay passed', async () => {
      // Prepare
      const { queue } = await make();
      const sentAt = Date.now();
      await queue.send([{ body: 'later', delayMs: 1.5 * unit }, { body: 'now' }]);
      // Act
      const first = await receiveAll(queue, 1, 2000);
      const early = await queue.receive({ max: 10, waitMs: 0, visibilityMs: LONG_VISIBILITY_MS });
      const late = await queue.receive({ max: 10, waitMs: 5 * unit, visibilityMs: LONG_VISIBILITY_MS });
      const lateAfterMs = Date.now() - sentAt;
      // Assess
      expect(first.map((message) => message.body)).toEqual(['now']);
      expect(early).toEqual([]);
      expect(late.map((message) => message.body)).toEqual(['later']);
      expect(lateAfterMs).toBeGreaterThanOrEqual(1.5 * unit - 50);
    });

    it('redelivers a message whose visibility ran out, counting receives', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send([{ body: 'retry me' }]);
      const [first] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: unit });
      const receivedAt = Date.now();
      // Act
      const hidden = await queue.receive({ max: 1, waitMs: 0, visibilityMs: LONG_VISIBILITY_MS });
      const [second] = await queue.receive({ max: 1, waitMs: 5 * unit, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(first).toMatchObject({ body: 'retry me', receiveCount: 1 });
      expect(hidden).toEqual([]);
      expect(second).toMatchObject({ body: 'retry me', receiveCount: 2 });
      expect(Date.now() - receivedAt).toBeGreaterThanOrEqual(unit - 50);
    });

    it('extends visibility with setVisibility', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send([{ body: 'long work' }]);
      const [message] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: unit });
      // Act
      await queue.setVisibility(message!, 4 * unit);
      const during = await queue.receive({ max: 1, waitMs: 2.5 * unit, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(during).toEqual([]);
      await queue.ack(message!);
    });

    it('makes a message visible again at once with setVisibility 0', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send([{ body: 'again' }]);
      const [message] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: LONG_VISIBILITY_MS });
      const startedAt = Date.now();
      // Act
      await queue.setVisibility(message!, 0);
      const [again] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(again).toMatchObject({ body: 'again', receiveCount: 2 });
      expect(Date.now() - startedAt).toBeLessThan(1000);
    });

    it('forgets an acknowledged message for good', async () => {
      // Prepare
      const { queue } = await make();
      await queue.send([{ body: 'done' }]);
      const [message] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: unit });
      // Act
      await queue.ack(message!);
      const later = await queue.receive({ max: 10, waitMs: 2.5 * unit, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(later).toEqual([]);
      await expect(queue.setVisibility(message!, 0)).rejects.toThrow();
    });

    it('wakes a long poll as soon as a message arrives', async () => {
      // Prepare
      const { queue } = await make();
      const startedAt = Date.now();
      const receiving = queue.receive({ max: 10, waitMs: 5000, visibilityMs: LONG_VISIBILITY_MS });
      await sleep(300);
      // Act
      await queue.send([{ body: 'wake up' }]);
      const sentAt = Date.now();
      const received = await receiving;
      // Assess
      expect(received.map((message) => message.body)).toEqual(['wake up']);
      expect(sentAt - startedAt).toBeGreaterThanOrEqual(290);
      expect(Date.now() - sentAt).toBeLessThan(1000);
    });

    it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
      // Prepare
      const { queue, deadLetter } = await make({ maxReceiveCount: 2, withDeadLetter: true });
      await queue.send([{ body: { poison: true } }]);
      const counts: number[] = [];
      for (let delivery = 0; delivery < 2; delivery += 1) {
        const [message] = await queue.receive({ max: 1, waitMs: 2000, visibilityMs: LONG_VISIBILITY_MS });
        counts.push(message!.receiveCount);
        await queue.setVisibility(message!, 0);
      }
      // Act
      const third = await queue.receive({ max: 1, waitMs: 1000, visibilityMs: LONG_VISIBILITY_MS });
      const dead = await deadLetter!.receive({ max: 10, waitMs: 3000, visibilityMs: LONG_VISIBILITY_MS });
      // Assess
      expect(counts).toEqual([1, 2]);
      expect(third).toEqual([]);
      expect(dead.map((message) => message.body)).toEqual([{ poison: true }]);
    });

    it('ends a wait when its signal aborts', async () => {
      // Prepare
      const { queue } = await make();
      const controller = new AbortController();
      const startedAt = Date.now();
      setTimeout(() => controller.abort(), 200);
      // Act
      const received = await queue.receive({ max: 10, waitMs: 10_000, visibilityMs: LONG_VISIBILITY_MS, signal: controller.signal });
      // Assess
      expect(received).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(1500);
    });

    it('ends a pending wait with nothing on close', async () => {
      // Prepare
      const { queue } = await make();
      const startedAt = Date.now();
      const receiving = queue.receive({ max: 10, waitMs: 10_000, visibilityMs: LONG_VISIBILITY_MS });
      await sleep(200);
      // Act
      await queue.close();
      const received = await receiving;
      // Assess
      expect(received).toEqual([]);
      expect(Date.now() - startedAt).toBeLessThan(1500);
    });

    it('rejects a message over 256 KiB before sending anything', async () => {
      // Prepare
      const { queue } = await make();
      const small = { body: 'fine' };
      const huge = { body: 'x'.repeat(300 * 1024) };
      // Act
      const sending = queue.send([small, huge]);
      // Assess
      await expect(sending).rejects.toBeInstanceOf(ValidationError);
      await expect(sending).rejects.toThrow(/entries\[1\].*262144/);
      expect(await queue.receive({ max: 10, waitMs: 500, visibilityMs: LONG_VISIBILITY_MS })).toEqual([]);
    });
  });
}
