import type { StepstackEvent } from '../../core/events/event';
import type { WorkItem } from '../../core/run/work-item';

/** The correlation ids of a work item, for every log line about it. */
export const workItemIds = (item: WorkItem): Record<string, unknown> => (item.kind === 'step'
  ? { runId: item.runId, functionId: item.functionId, stepId: item.stepId, attempt: item.attempt }
  : { runId: item.runId, functionId: item.functionId, timer: item.timer });

/** The correlation id of an event on the stream. */
export const eventIds = (event: StepstackEvent): Record<string, unknown> => ({ eventId: event.id });
