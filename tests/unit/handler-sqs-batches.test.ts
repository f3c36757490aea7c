import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createMemoryQueue } from '../../adapters/memory/queue';
import type { StepstackEvent } from '../../core/events/event';
import { newId } from '../../core/ids';
import { silentLogger } from '../../core/ports/logger';
import type { StateStore } from '../../core/ports/state';
import { defaultRetrySettings } from '../../core/run/backoff';
import type { WorkItem } from '../../core/run/work-item';
import type { EngineDeps } from '../../core/services/deps';
import { FunctionCatalog } from '../../core/services/function-catalog';
import * as deadLetters from '../../lambda/dead-letters';
import type { EngineHandlerDeps } from '../../lambda/deps';
import * as runner from '../../lambda/runner';

/** Only what these handlers touch; any other call fails the test, so the fake cannot hide work. */
function fakeState(overrides: Partial<StateStore>): StateStore {
  return new Proxy(overrides as StateStore, {
    get: (target, name: string) => target[name as keyof StateStore] ?? (() => { throw new Error(`unexpected state call: ${name}`); }),
  });
}

function makeTestDeps(state: StateStore): EngineHandlerDeps {
  const engine: EngineDeps = {
    state, queue: createMemoryQueue<WorkItem>(), clock: { now: () => Date.parse('2026-11-28T12:00:00Z') }, logger: silentLogger,
    retry: defaultRetrySettings, retentionMs: 60_000, newId,
  };
  return { engine, runner: { ...engine, catalog: new FunctionCatalog(state) }, logger: silentLogger, apiKey: '' };
}

const record = (messageId: string, body: string, receiveCount = 1): SQSRecord => ({
  messageId, body, receiptHandle: `r-${messageId}`, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q', awsRegion: 'us-east-1',
  messageAttributes: {},
  attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0' },
});
const event = (name: string, id: string): string => JSON.stringify({ format: 1, event: { name, id, data: {}, ts: 1 } satisfies StepstackEvent });
const context = {} as Context;

describe('runner handler', () => {
  it('reports only the records that failed: a body that is not JSON and one whose state write failed', async () => {
    // Prepare
    const saved: string[] = [];
    const state = fakeState({
      saveEvent: async (stored) => {
        if (stored.name === 'app/boom') throw new Error('redis: connection reset');
        saved.push(stored.id);
        return true;
      },
      candidatesFor: async () => [],
      functionsVersion: async () => 1,
      listFunctions: async () => [],
    });
    const handler = runner.withMiddleware(runner.makeHandler(() => makeTestDeps(state)), silentLogger);
    const batch: SQSEvent = { Records: [record('m1', event('app/ok', 'e1')), record('m2', 'not json'), record('m3', event('app/boom', 'e3')), record('m4', event('app/ok', 'e4'))] };

    // Act
    const response: unknown = await handler(batch, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] });
    expect(saved).toEqual(['e1', 'e4']);
  });

  it('logs each failed record with its message id and, when its body is JSON, its event id', async () => {
    // Prepare
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const log = { info: () => {}, warn: () => {}, error: (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields }) };
    const state = fakeState({ saveEvent: async () => { throw new Error('redis: connection reset'); }, candidatesFor: async () => [], functionsVersion: async () => 1, listFunctions: async () => [] });
    const handler = runner.withMiddleware(runner.makeHandler(() => makeTestDeps(state)), log);

    // Act
    await handler({ Records: [record('m1', event('app/boom', 'e1')), record('m2', 'not json')] }, context);

    // Assess
    expect(lines.map((line) => line.fields)).toEqual([
      expect.objectContaining({ messageId: 'm1', eventId: 'e1' }),
      { messageId: 'm2', error: expect.any(String) },
    ]);
  });

  it('answers an empty failure list when every record went through', async () => {
    // Prepare
    const state = fakeState({ saveEvent: async () => true, candidatesFor: async () => [], functionsVersion: async () => 1, listFunctions: async () => [] });
    const handler = runner.withMiddleware(runner.makeHandler(() => makeTestDeps(state)), silentLogger);

    // Act
    const response: unknown = await handler({ Records: [record('m1', event('app/ok', 'e1'))] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
  });
});

describe('dead letters handler', () => {
  it('marks the run of each dead work item and reports only the record it could not read', async () => {
    // Prepare
    const loaded: string[] = [];
    const state = fakeState({ loadRun: async (runId) => void loaded.push(runId) });
    const handler = deadLetters.withMiddleware(deadLetters.makeHandler(() => makeTestDeps(state)), silentLogger);
    const item: WorkItem = { format: 2, kind: 'step', runId: 'run-1', functionId: 'fn', stepId: 'a', attempt: 0, dueAt: 0 };

    // Act
    const response: unknown = await handler({ Records: [record('d1', JSON.stringify(item), 6), record('d2', '{oops')] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'd2' }] });
    expect(loaded).toEqual(['run-1']);
  });
});
