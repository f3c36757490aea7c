import { createMemoryQueue } from '../../adapters/memory/queue';
import { createMemoryStateStore } from '../../adapters/memory/state-store';
import { PlatformError } from '../../core/errors';
import { newId } from '../../core/ids';
import { systemClock } from '../../core/ports/clock';
import type { Driver, StepRequest } from '../../core/ports/driver';
import { silentLogger } from '../../core/ports/logger';
import type { QueueMessage } from '../../core/ports/queue';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { handleWorkItem } from '../../core/services/executor';
import { startRunFor } from '../../core/services/runner';
import { compile } from '../support/functions';

/** The engine on its in-memory adapters, with a driver that records the steps it runs (no network needed here). */
function setUp(fail?: (request: StepRequest) => boolean) {
  const state = createMemoryStateStore();
  const queue = createMemoryQueue<WorkItem>({ name: 'steps' });
  const engine: EngineDeps = { state, queue, clock: systemClock, logger: silentLogger, retry: { baseMs: 10, maxMs: 10 }, retentionMs: 60_000, newId };
  const ran: string[] = [];
  const driver: Driver = {
    type: 'http',
    run: async (request) => {
      if (fail?.(request)) throw new PlatformError('the daemon went away');
      ran.push(request.input.ctx.step_id);
      return { kind: 'success', output: { step: request.input.ctx.step_id, seen: Object.keys(request.input.steps).sort() } };
    },
  };
  const deps = { ...engine, drivers: { http: driver }, owner: 'test', leaseMs: 200 };
  const receive = async (): Promise<QueueMessage<WorkItem> | undefined> => (await queue.receive({ max: 1, waitMs: 50, visibilityMs: 100 }))[0];
  return { engine, deps, queue, state, ran, receive };
}

const chain = compile({}, { a: { after: [{ step: '$trigger' }] }, b: { after: [{ step: 'a' }] }, c: { after: [{ step: 'b' }] } });

describe('executor chains', () => {
  it('runs a whole chain under the first message, each step seeing the outputs before it', async () => {
    // Prepare
    const { engine, deps, queue, state, ran, receive } = setUp();
    const runId = await startRunFor(engine, chain, { name: 'test/go', data: {}, id: 'e-1', ts: 0 }, { redelivered: false });
    const first = (await receive())!;
    // Act
    const disposition = await handleWorkItem(deps, first.body, first, new AbortController().signal);
    await queue.ack(first);
    const leftover = await receive();
    const run = await state.loadRun(runId);
    // Assess
    expect(disposition).toEqual({ kind: 'ack' });
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(leftover).toBeUndefined();
    expect(run?.status).toBe('Completed');
    expect(run?.outputs.c).toEqual({ step: 'c', seen: ['a', 'b'] });
  });

  it('recovers a chain whose executor failed midway: the first message comes back and re-sends the pending step', async () => {
    // Prepare
    let failures = 1;
    const { engine, deps, state, ran, receive } = setUp((request) => request.input.ctx.step_id === 'b' && failures-- > 0);
    const runId = await startRunFor(engine, chain, { name: 'test/go', data: {}, id: 'e-2', ts: 0 }, { redelivered: false });
    const first = (await receive())!;
    // Act
    await expect(handleWorkItem(deps, first.body, first, new AbortController().signal)).rejects.toThrow(PlatformError);
    // The message was not acknowledged: it comes back once its visibility ends.
    const again = (await receive()) ?? (await new Promise((resolve) => setTimeout(resolve, 150)).then(receive));
    await handleWorkItem(deps, again!.body, again!, new AbortController().signal);
    const resent = (await receive())!;
    await handleWorkItem(deps, resent.body, resent, new AbortController().signal);
    const run = await state.loadRun(runId);
    // Assess
    expect(again?.receiveCount).toBe(2);
    expect(resent.body).toMatchObject({ kind: 'step', stepId: 'b', attempt: 0 });
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(run?.status).toBe('Completed');
  });
});
