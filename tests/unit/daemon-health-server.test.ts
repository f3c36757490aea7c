import { startHealthServer } from '../../platform/health/server';
import { createDaemonMetrics } from '../../platform/health/metrics';

/** A daemon's health endpoint (the executor's, the ECS runner's) says unhealthy, with the reason, whenever the daemon could not take work. */
describe('executor health endpoint', () => {
  let now = 1_000_000;
  const counters = createDaemonMetrics(() => now);
  let state = 'STARTING';
  let server: Awaited<ReturnType<typeof startHealthServer>>;

  beforeAll(async () => {
    server = await startHealthServer({ port: 0, metrics: counters.metrics, state: () => state, pollStaleMs: 60_000, now: () => now });
  });
  afterAll(() => server.close());

  const ask = async (): Promise<[number, any]> => {
    const answer = await fetch(`http://127.0.0.1:${server.port}/health`);
    return [answer.status, await answer.json()];
  };

  it('is 503 while starting, 200 once the queue answered, 503 when it stops answering or the daemon drains', async () => {
    // Prepare
    const queue = counters.queue({ receive: async () => [], send: async () => undefined, ack: async () => undefined, setVisibility: async () => undefined, close: async () => undefined });

    // Act
    const starting = await ask();
    state = 'RUNNING';
    const beforePoll = await ask();
    await queue.receive({ max: 1, waitMs: 0, visibilityMs: 1000 });
    const running = await ask();
    now += 61_000;
    const stale = await ask();
    await queue.receive({ max: 1, waitMs: 0, visibilityMs: 1000 });
    state = 'DRAINING';
    const draining = await ask();

    // Assess
    expect(starting).toEqual([503, expect.objectContaining({ status: 'unhealthy', reason: 'the daemon is STARTING' })]);
    expect(beforePoll).toEqual([503, expect.objectContaining({ reason: 'no receive from its queue yet' })]);
    expect(running).toEqual([200, expect.objectContaining({ status: 'ok', pollAgeMs: 0 })]);
    expect(stale).toEqual([503, expect.objectContaining({ reason: 'its queue last answered 61 s ago' })]);
    expect(draining).toEqual([503, expect.objectContaining({ reason: 'the daemon is DRAINING' })]);
  });

  it('counts steps done, failed and in flight', async () => {
    // Prepare
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handle = counters.handle<unknown>(async (message) => {
      if (message.body === 'hold') await held;
      if (message.body === 'throw') throw new Error('platform fault');
      return message.body === 'retry' ? { kind: 'retry', afterMs: 10 } : { kind: 'ack' };
    });
    const message = (body: string) => ({ body, receiveCount: 1 }) as never;
    const signal = new AbortController().signal;

    // Act
    const holding = handle(message('hold'), signal);
    const inFlight = counters.metrics.stepsInFlight;
    await handle(message('retry'), signal);
    await handle(message('throw'), signal).catch(() => undefined);
    release();
    await holding;
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();

    // Assess
    expect(inFlight).toBe(1);
    expect(metrics).toContain('stepstack_steps_done_total 1\n');
    expect(metrics).toContain('stepstack_steps_failed_total 2\n');
    expect(metrics).toContain('stepstack_steps_in_flight 0\n');
  });
});
