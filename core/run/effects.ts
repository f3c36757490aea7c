import type { PauseRecord } from '../ports/state';
import type { WorkItem } from './work-item';

/** What must happen outside the run's own state once a transition is committed. */
export interface Effects {
  /** Work items to put on the step queue. */
  enqueue: WorkItem[];
  /** Pauses to make findable by event name (before the commit: stale entries are harmless, missing ones are not). */
  addPauses: PauseRecord[];
  /** Pauses no run waits on any more (after the commit). */
  removePauses: PauseRecord[];
}

export function noEffects(): Effects {
  return { enqueue: [], addPauses: [], removePauses: [] };
}
