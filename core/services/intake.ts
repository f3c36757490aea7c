import { streamMessage } from '../events/stream';
import { acceptEvents } from '../events/validate';
import type { IntakeDeps } from './deps';

/**
 * The Event API's work: validate a request body of one event or many, then publish them all to the
 * event stream. Resolves with their ids only once the stream accepted every one; publishes nothing
 * when any is invalid.
 */
export async function acceptEventBatch(deps: IntakeDeps, body: unknown): Promise<string[]> {
  const events = acceptEvents(body, { now: deps.clock.now(), newId: () => deps.newId() });
  await deps.stream.send(events.map((event) => ({ body: streamMessage(event) })));
  return events.map((event) => event.id);
}
