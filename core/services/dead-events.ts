import type { StepstackEvent } from '../events/event';
import { type EventStream, streamMessage } from '../events/stream';
import type { DeadEvent } from '../ports/state';
import type { EngineDeps } from './deps';

/**
 * An event the Event API accepted but the runner could not process reached the event stream's
 * dead-letter queue: keep it where it can be seen and sent again (SPEC section 5). A failure here
 * leaves the message in the dead-letter queue, to be kept on a later delivery (Redis may be down).
 */
export async function keepDeadEvent(deps: Pick<EngineDeps, 'state' | 'clock' | 'logger' | 'retentionMs'>, event: StepstackEvent, receiveCount: number): Promise<void> {
  await deps.state.saveDeadEvent({ event, deadAt: deps.clock.now(), receiveCount }, deps.retentionMs);
  deps.logger.error('event dead-lettered: kept to be sent again', { eventId: event.id, name: event.name, receiveCount });
}

/** A page of dead events, newest first. */
export function listDeadEvents(deps: Pick<EngineDeps, 'state'>, limit: number, cursor?: string): Promise<{ events: DeadEvent[]; next: string | null }> {
  return deps.state.listDeadEvents(limit, cursor);
}

/**
 * Send a dead event to the event stream again, then forget it. Runs it started before are not
 * started twice (their ids are claimed per function and event id); undefined when there is no such dead event.
 */
export async function resendDeadEvent(deps: Pick<EngineDeps, 'state'> & { stream: EventStream }, eventId: string): Promise<StepstackEvent | undefined> {
  // Published before it is forgotten: a failed send loses nothing.
  const dead = await deps.state.getDeadEvent(eventId);
  if (!dead) return undefined;
  await deps.stream.send([{ body: streamMessage(dead.event) }]);
  await deps.state.takeDeadEvent(eventId);
  return dead.event;
}
