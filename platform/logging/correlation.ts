import type { StreamMessage } from '../../core/events/stream';
import type { WorkItem } from '../../core/run/work-item';

/** The correlation ids of a work item, for every log line about it. */
export const workItemIds = (item: WorkItem): Record<string, unknown> => (item.kind === 'step'
  ? { runId: item.runId, functionId: item.functionId, stepId: item.stepId, attempt: item.attempt }
  : item.kind === 'timer' ? { runId: item.runId, functionId: item.functionId, timer: item.timer }
    : { runId: item.runId, functionId: item.functionId, flow: item.action });

/** The correlation id of an event on the stream. */
/** An event stream message's event id (a message of an unknown format has none to give). */
export const eventIds = (message: StreamMessage): Record<string, unknown> => ({ eventId: (message as Partial<StreamMessage>).event?.id });
