import type { Queue, QueueMessage, ReceiveOptions, SendEntry } from '../../core/ports/queue';

interface ArmedFault<T> {
  when: (body: T) => boolean;
  left: number;
  fired: () => void;
}

/**
 * A queue whose `send` throws on cue, as a queue unreachable right after a commit would: the send is
 * refused whole (nothing of it accepted) when one of its bodies matches an armed fault. It also counts
 * what was accepted and acknowledged, so that a test can wait until every accepted message was handled.
 */
export class FaultyQueue<T> implements Queue<T> {
  private readonly faults: ArmedFault<T>[] = [];
  private accepted = 0;
  private acked = 0;
  /** Bodies of the sends that were refused, in order. */
  readonly refused: T[][] = [];
  /** Bodies of the messages acknowledged, in order. */
  readonly acknowledged: T[] = [];

  constructor(private readonly inner: Queue<T>) {}

  /** Refuse the next `times` sends holding a body that `when` matches; resolves once all of them were refused. */
  failSends(when: (body: T) => boolean, times = 1): Promise<void> {
    return new Promise((resolve) => this.faults.push({ when, left: times, fired: resolve }));
  }

  /** How many armed refusals have not happened yet. */
  get armed(): number {
    return this.faults.reduce((sum, fault) => sum + fault.left, 0);
  }

  async send(entries: SendEntry<T>[]): Promise<void> {
    const fault = this.faults.find((candidate) => entries.some((entry) => candidate.when(entry.body)));
    if (fault) {
      fault.left -= 1;
      if (fault.left === 0) {
        this.faults.splice(this.faults.indexOf(fault), 1);
        fault.fired();
      }
      this.refused.push(entries.map((entry) => entry.body));
      throw new Error('injected fault: the step queue refused the send');
    }
    await this.inner.send(entries);
    this.accepted += entries.length;
  }

  receive(options: ReceiveOptions): Promise<QueueMessage<T>[]> {
    return this.inner.receive(options);
  }

  async ack(message: QueueMessage<T>): Promise<void> {
    await this.inner.ack(message);
    this.acked += 1;
    this.acknowledged.push(message.body);
  }

  setVisibility(message: QueueMessage<T>, ms: number): Promise<void> {
    return this.inner.setVisibility(message, ms);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /**
   * Wait for quiescence: every accepted message acknowledged, but `left` (messages a test knows were
   * moved elsewhere, e.g. to the dead-letter queue). A message is acknowledged only after the work it
   * sends was accepted, so once the counts meet nothing is left to happen.
   */
  async settled(options: { left?: number; timeoutMs?: number } = {}): Promise<void> {
    const { left = 0, timeoutMs = 20_000 } = options;
    const deadline = Date.now() + timeoutMs;
    while (this.accepted - this.acked !== left) {
      if (Date.now() > deadline) throw new Error(`step queue not settled in ${timeoutMs} ms: ${this.accepted} accepted, ${this.acked} acknowledged, ${left} expected left`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
