import { RESERVED_EVENT_PREFIX, type StepstackEvent } from '../events/event';
import { streamMessage } from '../events/stream';
import type { CommitResult, StoredRun } from '../ports/run-store';
import { FINISHED_EVENT } from '../sdk/plan-call';
import { runResult } from './run-view';
import type { EngineDeps } from './deps';

export const FUNCTION_FAILED = `${RESERVED_EVENT_PREFIX}function.failed`;
export const FUNCTION_CANCELLED = `${RESERVED_EVENT_PREFIX}function.cancelled`;

/**
 * Send the events of a run's end (SPEC section 3) through the event stream: `inngest/function.finished`,
 * and `.failed` or `.cancelled`. Called after every commit that ended a run, and again by the recovery
 * of a redelivered message (a crash may have come between that commit and this send): each event's id
 * is claimed once per run, so a second send carries the same ids and starts nothing twice.
 */
export async function announceRunEnd(deps: EngineDeps, runId: string, result?: CommitResult): Promise<void> {
  if (!deps.eventStream) return;
  if (result && (result.outcome !== 'committed' || result.status === 'Running')) return;
  const run = await deps.state.loadRun(runId);
  if (run && run.status !== 'Running') await sendRunEnd(deps, run);
}

/** Send the end events of an ended run (ids claimed once per run, so sends after a crash repeat the same events). */
export async function sendRunEnd(deps: EngineDeps, run: StoredRun): Promise<void> {
  const stream = deps.eventStream;
  if (!stream || run.status === 'Running') return;
  const ts = run.endedAt ?? deps.clock.now();
  const events = runEndEvents(run);
  const sent: StepstackEvent[] = [];
  for (const event of events) {
    const id = await deps.state.claimKey(`run-end:${run.id}:${event.name}`, deps.newId(ts), deps.retentionMs);
    sent.push({ ...event, id, ts });
  }
  await stream.send(sent.map((event) => ({ body: streamMessage(event) })));
}

interface PlatformEvent {
  name: string;
  data: Record<string, unknown>;
}

/** The events a run's end sends, without ids. */
export function runEndEvents(run: StoredRun): PlatformEvent[] {
  const invoked = run.event.data._inngest as { correlation_id?: unknown } | undefined;
  const correlation = typeof invoked?.correlation_id === 'string' ? { correlation_id: invoked.correlation_id, _inngest: { correlation_id: invoked.correlation_id } } : {};
  const base = { function_id: run.functionId, run_id: run.id, event: run.event, status: run.status, ...correlation };
  const outcome = run.status === 'Completed' ? { result: runResult(run) } : { error: runError(run) };
  const data = { ...base, ...outcome };
  const events: PlatformEvent[] = [{ name: FINISHED_EVENT, data }];
  if (run.status === 'Failed') events.push({ name: FUNCTION_FAILED, data });
  if (run.status === 'Cancelled') events.push({ name: FUNCTION_CANCELLED, data });
  return events;
}

/** The run's error as `onFailure` reads it: `{name, message, stack?}`, from the failed step's last error when it kept one. */
function runError(run: StoredRun): { name: string; message: string; stack?: string } {
  for (const step of Object.values(run.steps)) {
    if (step.status !== 'Failed') continue;
    const last = step.errors.at(-1)?.output as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
    if (last && typeof last.message === 'string') {
      return { name: typeof last.name === 'string' ? last.name : 'Error', message: last.message, ...(typeof last.stack === 'string' ? { stack: last.stack } : {}) };
    }
  }
  const name = run.status === 'Cancelled' ? 'FunctionCancelledError' : 'FunctionFailedError';
  return { name, message: run.reason ?? (run.status === 'Cancelled' ? 'the run was cancelled' : 'the run failed') };
}
