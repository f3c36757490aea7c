import type { StepstackEvent } from '../events/event';
import { streamMessage } from '../events/stream';
import type { PlannedSdkStep } from '../sdk/plan-call';
import type { EngineDeps } from './deps';

/**
 * Send the `inngest/function.invoked` events of `step.invoke` calls, before the commit that makes the
 * run wait for their answers (a send after it could be lost in a crash). Each id is claimed under a
 * key of the run and step, so the send of a retried attempt repeats the same event, which starts nothing twice.
 */
export async function sendInvocations(deps: EngineDeps, invokes: PlannedSdkStep['invokes']): Promise<void> {
  if (invokes.length === 0) return;
  if (!deps.eventStream) throw new Error('step.invoke needs the event stream: this engine was composed without one');
  const events: StepstackEvent[] = [];
  for (const invoke of invokes) {
    const id = await deps.state.claimKey(invoke.key, deps.newId(invoke.event.ts), deps.retentionMs);
    events.push({ ...invoke.event, id });
  }
  await deps.eventStream.send(events.map((event) => ({ body: streamMessage(event) })));
}
