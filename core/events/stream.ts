import { checkFormat } from '../format';
import type { Queue } from '../ports/queue';
import type { StepstackEvent } from './event';

/** The format of event stream messages; a reader refuses another and leaves the message in place (SPEC section 5). */
export const STREAM_FORMAT = 1;

/** An accepted event on the event stream, in a versioned envelope (the event's own `v` is the user's). */
export interface StreamMessage {
  format: typeof STREAM_FORMAT;
  event: StepstackEvent;
}

export type EventStream = Queue<StreamMessage>;

export const streamMessage = (event: StepstackEvent): StreamMessage => ({ format: STREAM_FORMAT, event });

/** The event a stream message carries; throws a FormatError naming both versions for another format. */
export function eventOf(message: StreamMessage): StepstackEvent {
  checkFormat('event stream message', (message as Partial<StreamMessage> | null)?.format, STREAM_FORMAT);
  return message.event;
}
