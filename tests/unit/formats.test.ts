import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { eventOf, streamMessage } from '../../core/events/stream';
import { FormatError } from '../../core/format';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import { silentLogger } from '../../core/ports/logger';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import { handleDeadWorkItem } from '../../core/services/dead-letters';
import { handleWorkItem } from '../../core/services/executor';

const event = { name: 'test/go', data: {}, id: 'e-1', ts: 0 };

describe('format versions of queued documents', () => {
  it('reads an event stream message of its own format and refuses another, naming both versions', () => {
    // Prepare
    const future = { format: 7, event } as unknown as ReturnType<typeof streamMessage>;
    // Act
    const read = eventOf(streamMessage(event));
    // Assess
    expect(read).toEqual(event);
    expect(() => eventOf(future)).toThrow(FormatError);
    expect(() => eventOf(future)).toThrow('event stream message has format version 7, this release reads version 1');
    expect(() => eventOf(event as never)).toThrow('has format version null');
  });

  it('refuses a work item of another format before touching any state, in the executor and the dead-letter consumer', async () => {
    // Prepare
    const state = createMemoryStateStore();
    const queue = createMemoryQueue<WorkItem>({ name: 'steps' });
    const engine = { state, queue, clock: systemClock, logger: silentLogger, retry: defaultRetrySettings, retentionMs: 60_000, newId };
    const item = { format: 3, kind: 'step', runId: 'r', functionId: 'f', stepId: 'a', attempt: 0, dueAt: 0 } as unknown as WorkItem;
    // Act
    const executing = handleWorkItem({ ...engine, drivers: {}, owner: 'x', leaseMs: 1000 }, item, { receiveCount: 1 }, new AbortController().signal);
    const deadLettering = handleDeadWorkItem(engine, item, 5);
    // Assess
    await expect(executing).rejects.toThrow('work item has format version 3, this release reads version 2');
    await expect(deadLettering).rejects.toBeInstanceOf(FormatError);
    await queue.close();
  });
});
