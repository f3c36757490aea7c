import { createMemoryQueue } from '../../adapters/memory/queue';
import { silentLogger } from '../../core/ports/logger';
import type { Queue } from '../../core/ports/queue';
import type { Disposition } from '../../core/services/executor';
import { type DaemonOptions, EXIT, type ExitCode, startDaemon } from '../../platform/daemon';

interface Harness {
  queue: Queue<string>;
  signals: Map<string, () => void>;
  exits: ExitCode[];
  calls: string[];
  options: DaemonOptions<string>;
}

/** A daemon over an in-memory queue with captured signals and exit; `overrides` replace any option. */
function makeHarness(overrides: Partial<DaemonOptions<string>> = {}): Harness {
  const queue = createMemoryQueue<string>({ name: 'daemon-test' });
  const signals = new Map<string, () => void>();
  const exits: ExitCode[] = [];
  const calls: string[] = [];
  const options: DaemonOptions<string> = {
    name: 'executor',
    queue,
    handle: async () => ({ kind: 'ack' }),
    prepare: async () => void calls.push('prepare'),
    retire: async () => void calls.push('retire'),
    close: async () => void calls.push('close'),
    logger: silentLogger,
    waitMs: 50,
    drainDeadlineMs: 1000,
    onSignal: (signal, listener) => void signals.set(signal, listener),
    exit: (code) => void exits.push(code),
    ...overrides,
  };
  return { queue, signals, exits, calls, options };
}

const until = async (check: () => boolean, timeoutMs = 2000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

describe('executor daemon', () => {
  it('prepares, then runs, then on SIGTERM drains the item in hand and exits 0', async () => {
    // Prepare
    let release!: () => void;
    const handled: string[] = [];
    const harness = makeHarness({
      handle: async (message) => {
        await new Promise<void>((resolve) => (release = resolve));
        handled.push(message.body);
        return { kind: 'ack' };
      },
    });
    const daemon = startDaemon(harness.options);
    await until(() => daemon.state === 'RUNNING');
    await harness.queue.send([{ body: 'job-1' }]);
    await until(() => release !== undefined);

    // Act
    harness.signals.get('SIGTERM')!();
    const stateWhileWorking = daemon.state;
    release();
    const code = await daemon.stopped;

    // Assess
    expect(stateWhileWorking).toBe('DRAINING');
    expect(handled).toEqual(['job-1']);
    expect(code).toBe(EXIT.DRAINED);
    expect(harness.exits).toEqual([EXIT.DRAINED]);
    expect(daemon.state).toBe('STOPPED');
    expect(harness.calls).toEqual(['prepare', 'close']);
    expect(await harness.queue.receive({ max: 10, waitMs: 0, visibilityMs: 1000 })).toEqual([]);
  });

  it('aborts work still running at the drain deadline, leaves it on the queue and exits 2', async () => {
    // Prepare
    const harness = makeHarness({
      drainDeadlineMs: 50,
      visibilityMs: 60_000,
      handle: (_message, signal) => new Promise<Disposition>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted by the drain')));
      }),
    });
    const daemon = startDaemon(harness.options);
    await until(() => daemon.state === 'RUNNING');
    await harness.queue.send([{ body: 'long-step' }]);
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Act
    const code = await daemon.stop('signal');

    // Assess
    expect(code).toBe(EXIT.DRAIN_TIMEOUT);
    expect(harness.exits).toEqual([EXIT.DRAIN_TIMEOUT]);
    const back = await harness.queue.receive({ max: 10, waitMs: 500, visibilityMs: 1000 });
    expect(back.map((message) => message.body)).toEqual(['long-step']);
  });

  it('retires: drains, completes the lifecycle action, exits 3 and ignores a later SIGTERM', async () => {
    // Prepare
    const harness = makeHarness();
    const daemon = startDaemon(harness.options);
    await until(() => daemon.state === 'RUNNING');

    // Act
    const code = await daemon.stop('retire');
    harness.signals.get('SIGTERM')!();

    // Assess
    expect(code).toBe(EXIT.RETIRED);
    expect(harness.calls).toEqual(['prepare', 'retire', 'close']);
    expect(harness.exits).toEqual([EXIT.RETIRED]);
  });

  it('exits 1 without taking work when preparing fails', async () => {
    // Prepare
    const handled: string[] = [];
    const harness = makeHarness({
      prepare: () => Promise.reject(new Error('docker daemon unreachable')),
      handle: async (message) => {
        handled.push(message.body);
        return { kind: 'ack' };
      },
    });
    await harness.queue.send([{ body: 'job' }]);

    // Act
    const daemon = startDaemon(harness.options);
    const code = await daemon.stopped;

    // Assess
    expect(code).toBe(EXIT.FAILED);
    expect(daemon.state).toBe('STOPPED');
    expect(handled).toEqual([]);
    expect(harness.calls).toEqual(['close']);
  });

  it('a SIGTERM while starting stops it after preparing, before any work is taken', async () => {
    // Prepare
    let finishPrepare!: () => void;
    const handled: string[] = [];
    const harness = makeHarness({
      prepare: () => new Promise<void>((resolve) => (finishPrepare = resolve)),
      handle: async (message) => {
        handled.push(message.body);
        return { kind: 'ack' };
      },
    });
    await harness.queue.send([{ body: 'job' }]);
    const daemon = startDaemon(harness.options);

    // Act
    harness.signals.get('SIGTERM')!();
    const stateAfterSignal = daemon.state;
    finishPrepare();
    const code = await daemon.stopped;

    // Assess
    expect(stateAfterSignal).toBe('STARTING');
    expect(code).toBe(EXIT.DRAINED);
    expect(handled).toEqual([]);
  });
});
