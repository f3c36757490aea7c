import { RESERVED_EVENT_PREFIX, type StepstackEvent } from '../events/event';
import { cachedExpression } from '../expressions/cache';
import { planPauseMatch } from '../expressions/pause-match';
import type { IndexedPause } from '../ports/pause-index';
import type { AttemptCommit, DiscoveredStep, EdgeAddress, GraphChanges } from '../ports/run-store';
import type { SdkAnswer, SdkError, SdkMemo, SdkOp } from '../ports/sdk-driver';
import { type RetrySettings, retryDelayMs } from '../run/backoff';
import { asyncPauseId, pauseTimerId, waitTimerId } from '../run/ids';
import type { AttemptError } from '../run/run';
import { sdkDurationMs, sleepDueAt } from './durations';
import { nextCallStep, recordIdOf } from './ids';
import type { SdkStepOp } from './step-op';

export const INVOKED_EVENT = `${RESERVED_EVENT_PREFIX}function.invoked`;
export const FINISHED_EVENT = `${RESERVED_EVENT_PREFIX}function.finished`;

/** An event the platform sends, before its id is claimed. */
export interface InvokedEvent {
  name: string;
  data: Record<string, unknown>;
  ts: number;
  user?: Record<string, unknown>;
  v?: string;
}

/** What one step of an SDK run is settled against. */
export interface SdkStepContext {
  runId: string;
  functionId: string;
  stepId: string;
  attempt: number;
  /** Retries after the first try (the SDK's `retries`). */
  retries: number;
  event: StepstackEvent;
  history: { attempts: number; errors: AttemptError[] };
  now: number;
  retry: RetrySettings;
  /** How long a wait without a timeout lasts. */
  retentionMs: number;
}

/** The commit that settles the step, the pauses to index before it, and the invocations to send before it. */
export interface PlannedSdkStep {
  commit: Omit<AttemptCommit, 'release' | 'leaseNext'>;
  index: IndexedPause[];
  /** `inngest/function.invoked` events, each with the key that keeps its id the same on a retry. */
  invokes: { key: string; event: InvokedEvent }[];
}

const data = (value: unknown): SdkMemo => ({ type: 'data', data: value === undefined ? null : value });
const failure = (error: SdkError): SdkMemo => ({ type: 'error', error });
const emptyChanges = (): GraphChanges => ({ edges: [], timers: [], pauses: [] });

/** The error of an op, in the SDK's shape. */
function opError(op: SdkOp): SdkError {
  const error = op.error;
  if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
    const record = error as Record<string, unknown>;
    return { ...record, name: typeof record.name === 'string' ? record.name : 'Error', message: record.message as string };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : `step ${op.displayName ?? op.id} failed` };
}

const describe = (error: SdkError): string => `${error.name}: ${error.message}`;

function completed(context: SdkStepContext, output: unknown, extra: { discovered?: DiscoveredStep[]; changes?: GraphChanges; errors?: AttemptError[] } = {}): PlannedSdkStep['commit'] {
  return {
    runId: context.runId, stepId: context.stepId, attempt: context.attempt, now: context.now, attempts: context.history.attempts + 1,
    errors: extra.errors ?? context.history.errors, result: { kind: 'completed', output },
    ...(extra.changes ? { changes: extra.changes } : {}), ...(extra.discovered ? { discovered: extra.discovered } : {}),
  };
}

/** A failed attempt: retried (at `retryAfterAt` when the app said so) while retries remain, else `final`. */
function retryOr(context: SdkStepContext, error: SdkError, retryable: boolean, retryAfterAt: number | undefined, final: (errors: AttemptError[]) => PlannedSdkStep): PlannedSdkStep {
  const errors = [...context.history.errors, { attempt: context.attempt, message: describe(error), output: error, at: context.now }];
  if (retryable && context.attempt < context.retries) {
    const retryAt = retryAfterAt ?? context.now + retryDelayMs(context.attempt + 1, context.retry);
    return {
      commit: {
        runId: context.runId, stepId: context.stepId, attempt: context.attempt, now: context.now, attempts: context.history.attempts + 1,
        errors, result: { kind: 'retry', retryAt: Math.max(retryAt, context.now) },
      },
      index: [], invokes: [],
    };
  }
  return final(errors);
}

/** The run fails: its function threw for good, or the app answered something Stepstack cannot run. */
function failRun(context: SdkStepContext, error: SdkError, errors?: AttemptError[]): PlannedSdkStep {
  const kept = errors ?? [...context.history.errors, { attempt: context.attempt, message: describe(error), output: error, at: context.now }];
  return {
    commit: {
      runId: context.runId, stepId: context.stepId, attempt: context.attempt, now: context.now, attempts: context.history.attempts + 1,
      errors: kept, result: { kind: 'failed', reason: `function failed after ${context.history.attempts + 1} attempt(s): ${describe(error)}` },
    },
    index: [], invokes: [],
  };
}

/** Settle a call of the app that ran the function (no `stepId`): its result, its error, or the steps it found. */
export function planCall(answer: SdkAnswer, context: SdkStepContext): PlannedSdkStep {
  if (answer.kind === 'result') return { commit: completed(context, data(answer.data)), index: [], invokes: [] };
  if (answer.kind === 'error') return retryOr(context, answer.error, answer.retryable, answer.retryAfterAt, (errors) => failRun(context, answer.error, errors));
  const next = nextCallStep(context.stepId);
  const discovered: DiscoveredStep[] = [];
  const changes = emptyChanges();
  const index: IndexedPause[] = [];
  const invokes: PlannedSdkStep['invokes'] = [];
  let waiting = 0;
  const nextEdge = (): EdgeAddress => ({ step: next, edge: waiting++ });
  for (const op of answer.ops) {
    const id = recordIdOf(op);
    switch (op.op) {
      case 'RunComplete':
        return { commit: completed(context, data(op.data)), index: [], invokes: [] };
      case 'DiscoveryRequest':
        break;
      case 'StepRun':
        discovered.push({ id, edges: 0, children: [], completed: { output: data(op.data) } });
        break;
      case 'StepFailed':
        discovered.push({ id, edges: 0, children: [], completed: { output: failure(opError(op)) } });
        break;
      case 'StepError': {
        const error = opError(op);
        if (context.retries < 1 || answer.noRetry) {
          discovered.push({ id, edges: 0, children: [], completed: { output: failure(error) } });
          break;
        }
        const edge = nextEdge();
        const dueAt = Math.max(context.now, answer.retryAfterAt ?? context.now + retryDelayMs(1, context.retry));
        discovered.push({
          id, edges: 0, children: [edge], op: runOp(op, edge),
          retry: { attempt: 1, dueAt, errors: [{ attempt: 0, message: describe(error), output: error, at: context.now }] },
        });
        break;
      }
      case 'StepPlanned': {
        const edge = nextEdge();
        discovered.push({ id, edges: 0, children: [edge], op: runOp(op, edge) });
        break;
      }
      case 'Sleep': {
        let dueAt: number;
        try {
          dueAt = sleepDueAt(op.opts?.duration ?? op.name, context.now);
        } catch (error) {
          return failRun(context, { name: 'Error', message: `step ${id}: ${(error as Error).message}` });
        }
        const edge = nextEdge();
        const self = { step: id, edge: 0 };
        discovered.push({ id, edges: 1, children: [edge], op: { kind: 'sleep', hashed: op.id, next: edge } satisfies SdkStepOp });
        changes.edges.push({ ...self, to: 'waiting' });
        changes.timers.push({ id: waitTimerId(self), dueAt, resolve: { ...self, to: 'fired' } });
        break;
      }
      case 'WaitForEvent':
      case 'InvokeFunction': {
        const planned = op.op === 'WaitForEvent' ? waitPlan(op, context) : invokePlan(op, id, context);
        if ('problem' in planned) return failRun(context, { name: 'Error', message: `step ${id}: ${planned.problem}` });
        const edge = nextEdge();
        discovered.push({ id, edges: 1, children: [edge], op: op.op === 'WaitForEvent' ? { kind: 'wait', hashed: op.id, next: edge } : { kind: 'invoke', hashed: op.id, next: edge, functionId: planned.functionId ?? '' } });
        const self = { step: id, edge: 0 };
        const pauseId = asyncPauseId(context.runId, self);
        const ttlTimer = pauseTimerId(pauseId);
        changes.edges.push({ ...self, to: 'waiting' });
        changes.pauses.push({ id: pauseId, kind: 'async', event: planned.event, expiresAt: planned.expiresAt, edge: self, ttlTimer });
        // A timeout fires the edge too: the step then settles as "no event" (a wait's null, an invoke's timeout error).
        changes.timers.push({ id: ttlTimer, dueAt: planned.expiresAt, resolve: { ...self, to: 'fired' }, endsPause: pauseId });
        const match = planned.expression === undefined ? {} : planPauseMatch(cachedExpression(planned.expression), { event: context.event, steps: {} });
        index.push({
          id: pauseId, runId: context.runId, functionId: context.functionId, kind: 'async', event: planned.event, expiresAt: planned.expiresAt,
          ...(match.key ? { key: match.key } : {}), ...(match.residual ? { residual: match.residual } : {}),
        });
        if (planned.invoke) invokes.push(planned.invoke);
        break;
      }
      default:
        return failRun(context, { name: 'UnsupportedOpcodeError', message: `the app asked for opcode ${op.op} (step ${op.displayName ?? id}), which Stepstack does not support` });
    }
  }
  discovered.push({ id: next, edges: waiting, children: [] });
  return { commit: completed(context, null, { discovered, changes }), index, invokes };
}

function runOp(op: SdkOp, next: EdgeAddress): SdkStepOp {
  return { kind: 'run', hashed: op.id, next, ...(typeof op.displayName === 'string' ? { name: op.displayName } : {}) };
}

interface PausePlan {
  event: string;
  expiresAt: number;
  expression?: string;
  functionId?: string;
  invoke?: PlannedSdkStep['invokes'][number];
}

/** `step.waitForEvent`: its event in `opts.event` or `name`, `opts.if` over `event` and `async`, `opts.timeout`. */
function waitPlan(op: SdkOp, context: SdkStepContext): PausePlan | { problem: string } {
  const event = typeof op.opts?.event === 'string' ? op.opts.event : op.name;
  if (typeof event !== 'string' || event === '') return { problem: 'WaitForEvent without an event name (opts.event or name)' };
  const expiresAt = timeoutAt(op.opts?.timeout, context);
  if (typeof expiresAt === 'string') return { problem: expiresAt };
  const expression = typeof op.opts?.if === 'string' && op.opts.if.trim() !== '' ? op.opts.if : undefined;
  if (expression !== undefined) {
    try {
      cachedExpression(expression);
    } catch (error) {
      return { problem: `its if/match ${JSON.stringify(expression)} is not a valid expression: ${(error as Error).message}` };
    }
  }
  return { event, expiresAt, ...(expression === undefined ? {} : { expression }) };
}

/** `step.invoke`: the target starts from an `inngest/function.invoked` event; its `function.finished` with the same correlation id resumes the step. */
function invokePlan(op: SdkOp, id: string, context: SdkStepContext): PausePlan | { problem: string } {
  const functionId = op.opts?.function_id;
  if (typeof functionId !== 'string' || functionId === '') return { problem: 'InvokeFunction without opts.function_id' };
  const expiresAt = timeoutAt(op.opts?.timeout, context);
  if (typeof expiresAt === 'string') return { problem: expiresAt };
  const correlationId = `${context.runId}.${op.id}`;
  const payload = (op.opts?.payload ?? {}) as { data?: unknown; v?: unknown; user?: unknown };
  const payloadData = payload.data && typeof payload.data === 'object' && !Array.isArray(payload.data) ? payload.data as Record<string, unknown> : {};
  return {
    event: FINISHED_EVENT,
    expiresAt,
    expression: `async.data.correlation_id == '${correlationId}'`,
    functionId,
    invoke: {
      key: `invoke:${context.runId}:${op.id}`,
      event: {
        name: INVOKED_EVENT, ts: context.now,
        data: { ...payloadData, _inngest: { correlation_id: correlationId, function_id: functionId, source_run_id: context.runId, source_step: id } },
        ...(payload.user && typeof payload.user === 'object' ? { user: payload.user as Record<string, unknown> } : {}),
        ...(typeof payload.v === 'string' ? { v: payload.v } : {}),
      },
    },
  };
}

function timeoutAt(timeout: unknown, context: SdkStepContext): number | string {
  if (timeout === undefined || timeout === null || timeout === '') return context.now + context.retentionMs;
  if (typeof timeout !== 'string') return `timeout ${JSON.stringify(timeout)} is not a duration`;
  try {
    return context.now + sdkDurationMs(timeout);
  } catch (error) {
    return `timeout: ${(error as Error).message}`;
  }
}

/** Settle a call that ran one step (`stepId`): its data, a retry, or its final error handed to the code. */
export function planStepRun(answer: SdkAnswer, op: Extract<SdkStepOp, { kind: 'run' }>, context: SdkStepContext): PlannedSdkStep {
  const fire = (output: SdkMemo, errors?: AttemptError[]): PlannedSdkStep => ({
    commit: completed(context, output, { changes: { ...emptyChanges(), edges: [{ ...op.next, to: 'fired' }] }, ...(errors ? { errors } : {}) }),
    index: [], invokes: [],
  });
  if (answer.kind === 'error') return retryOr(context, answer.error, answer.retryable, answer.retryAfterAt, (errors) => fire(failure(answer.error), errors));
  if (answer.kind === 'result') {
    const error = { name: 'Error', message: `the app answered 200 (the function's end) to a call of step ${context.stepId}` };
    return retryOr(context, error, true, undefined, (errors) => fire(failure(error), errors));
  }
  const ran = answer.ops.find((candidate) => candidate.id === op.hashed) ?? answer.ops[0];
  if (ran?.op === 'StepRun') return fire(data(ran.data));
  if (ran?.op === 'StepFailed') return fire(failure(opError(ran)));
  if (ran?.op === 'StepError') {
    const error = opError(ran);
    return retryOr(context, error, !answer.noRetry, answer.retryAfterAt, (errors) => fire(failure(error), errors));
  }
  const error = { name: 'Error', message: `the app answered opcode ${ran?.op ?? 'none'} to a call of step ${context.stepId}` };
  return retryOr(context, error, true, undefined, (errors) => fire(failure(error), errors));
}

/** Settle a sleep, wait or invoke whose edge fired: with the awaited event (`async`), or without one when its time ran out. */
export function planResolved(op: Exclude<SdkStepOp, { kind: 'run' }>, async: StepstackEvent | null, context: SdkStepContext): PlannedSdkStep {
  let output: SdkMemo;
  if (op.kind === 'sleep') output = data(null);
  else if (op.kind === 'wait') output = data(async);
  else if (!async) output = failure({ name: 'InngestInvokeTimeoutError', message: `Timed out waiting for invoked function ${op.functionId} to complete` });
  else if (async.data.status === 'Completed') output = data(async.data.result);
  else output = failure(errorOf(async.data.error, `invoked function ${op.functionId} ended ${String(async.data.status)}`));
  return { commit: completed(context, output, { changes: { ...emptyChanges(), edges: [{ ...op.next, to: 'fired' }] } }), index: [], invokes: [] };
}

function errorOf(value: unknown, fallback: string): SdkError {
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    const record = value as Record<string, unknown>;
    return { ...record, name: typeof record.name === 'string' ? record.name : 'Error', message: record.message as string };
  }
  return { name: 'Error', message: fallback };
}
