import { defaultRetrySettings } from '../../core/run/backoff';
import { hashStepId, recordIdOf } from '../../core/sdk/ids';
import { type SdkStepContext, planCall, planResolved, planStepRun } from '../../core/sdk/plan-call';

const NOW = 1_700_000_000_000;
const context = (extra: Partial<SdkStepContext> = {}): SdkStepContext => ({
  runId: 'run-1', functionId: 'app-fn', stepId: '$sdk', attempt: 0, retries: 2,
  event: { name: 'test/e', data: { id: 'x' }, id: 'e1', ts: NOW }, history: { attempts: 0, errors: [] },
  now: NOW, retry: { ...defaultRetrySettings, random: () => 0 }, retentionMs: 86_400_000, ...extra,
});
const op = (opcode: string, id: string, extra: Record<string, unknown> = {}) => ({ op: opcode, id: hashStepId(id), userland: { id }, ...extra });

describe('SDK call planning', () => {
  it('fails the run naming an opcode Stepstack does not support', () => {
    // Act
    const planned = planCall({ kind: 'ops', noRetry: false, ops: [op('AIGateway', 'infer')] }, context());
    // Assess
    expect(planned.commit.result).toEqual({ kind: 'failed', reason: expect.stringContaining('opcode AIGateway (step infer)') });
  });

  it('takes RunComplete as the function\'s result, and DiscoveryRequest as "call again"', () => {
    // Act
    const complete = planCall({ kind: 'ops', noRetry: false, ops: [{ op: 'RunComplete', id: 'h', data: { ok: 1 } }] }, context());
    const again = planCall({ kind: 'ops', noRetry: false, ops: [{ op: 'DiscoveryRequest', id: 'h' }] }, context());
    // Assess
    expect(complete.commit).toMatchObject({ result: { kind: 'completed', output: { type: 'data', data: { ok: 1 } } } });
    expect(complete.commit.discovered).toBeUndefined();
    expect(again.commit.discovered).toEqual([{ id: '$sdk/1', edges: 0, children: [] }]);
  });

  it('adds parallel steps as siblings before one call that waits for all of them', () => {
    // Act
    const planned = planCall({ kind: 'ops', noRetry: false, ops: [op('StepPlanned', 'a'), op('Sleep', 'nap', { name: '1m' }), op('WaitForEvent', 'w', { name: 'test/ok', opts: { timeout: '1h', if: 'event.data.id == async.data.id' } })] }, context());
    // Assess
    expect(planned.commit.discovered?.map((step) => [step.id, step.edges, step.children])).toEqual([
      ['a', 0, [{ step: '$sdk/1', edge: 0 }]], ['nap', 1, [{ step: '$sdk/1', edge: 1 }]], ['w', 1, [{ step: '$sdk/1', edge: 2 }]], ['$sdk/1', 3, []],
    ]);
    expect(planned.commit.changes?.timers.map((timer) => timer.dueAt)).toEqual([NOW + 60_000, NOW + 3_600_000]);
    expect(planned.index).toEqual([expect.objectContaining({ event: 'test/ok', key: expect.anything() })]);
  });

  it('retries a step error with the SDK\'s Retry-After, then hands the final error to the code', () => {
    // Prepare
    const run = { kind: 'run' as const, hashed: hashStepId('a'), next: { step: '$sdk/1', edge: 0 } };
    const error = { op: 'StepError', id: hashStepId('a'), error: { name: 'Error', message: 'x' } };
    // Act
    const retried = planStepRun({ kind: 'ops', noRetry: false, retryAfterAt: NOW + 5_000, ops: [error] }, run, context({ stepId: 'a' }));
    const final = planStepRun({ kind: 'ops', noRetry: false, ops: [error] }, run, context({ stepId: 'a', attempt: 2 }));
    // Assess
    expect(retried.commit.result).toEqual({ kind: 'retry', retryAt: NOW + 5_000 });
    expect(final.commit).toMatchObject({ result: { kind: 'completed', output: { type: 'error', error: { message: 'x' } } }, changes: { edges: [{ step: '$sdk/1', edge: 0, to: 'fired' }] } });
  });

  it('settles an invoke with the callee\'s result, its error, or a timeout', () => {
    // Prepare
    const invoke = { kind: 'invoke' as const, hashed: 'h', next: { step: '$sdk/1', edge: 0 }, functionId: 'app-callee' };
    const finished = (data: Record<string, unknown>) => ({ name: 'inngest/function.finished', id: 'f', ts: NOW, data });
    // Act
    const ok = planResolved(invoke, finished({ status: 'Completed', result: 42 }), context({ stepId: 'call' }));
    const failed = planResolved(invoke, finished({ status: 'Failed', error: { name: 'Error', message: 'bad' } }), context({ stepId: 'call' }));
    const timedOut = planResolved(invoke, null, context({ stepId: 'call' }));
    // Assess
    expect(ok.commit.result).toEqual({ kind: 'completed', output: { type: 'data', data: 42 } });
    expect(failed.commit.result).toEqual({ kind: 'completed', output: { type: 'error', error: { name: 'Error', message: 'bad' } } });
    expect(timedOut.commit.result).toMatchObject({ kind: 'completed', output: { type: 'error', error: { name: 'InngestInvokeTimeoutError' } } });
  });

  it('keys steps by the code\'s id with its index, as the SDK hashes them', () => {
    // Assess
    expect(recordIdOf({ op: 'StepRun', id: hashStepId('charge:1'), userland: { id: 'charge', index: 1 } })).toBe('charge:1');
    expect(recordIdOf({ op: 'StepRun', id: 'abc' })).toBe('#abc');
  });
});
