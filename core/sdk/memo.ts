import type { StepstackEvent } from '../events/event';
import type { SdkMemo, SdkRequestBody } from '../ports/sdk-driver';
import { isCallStep, memoKeyOf } from './ids';

/** The body of a call: the run's event, and every settled step of the code (outputs of an SDK run are kept as memos). */
export function callBody(run: { id: string; event: StepstackEvent; events?: StepstackEvent[] }, outputs: Iterable<[string, unknown]>, attempt: number, retries: number): SdkRequestBody {
  const steps: Record<string, SdkMemo> = {};
  const stack: string[] = [];
  for (const [id, output] of outputs) {
    if (isCallStep(id) || !isMemo(output)) continue;
    const key = memoKeyOf(id);
    steps[key] = output;
    stack.push(key);
  }
  return {
    event: run.event, events: run.events ?? [run.event], steps,
    ctx: { run_id: run.id, attempt, max_attempts: retries + 1, stack: { stack, current: stack.length } },
  };
}

export function isMemo(value: unknown): value is SdkMemo {
  if (!value || typeof value !== 'object') return false;
  const memo = value as { type?: unknown };
  return (memo.type === 'data' && 'data' in memo) || (memo.type === 'error' && 'error' in memo);
}
