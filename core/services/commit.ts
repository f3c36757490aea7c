import { PlatformError } from '../errors';
import type { CommitLease, LoadedRun } from '../ports/state';
import type { Effects } from '../run/effects';
import type { Transition } from '../run/transitions';
import type { StepWorkItem, WorkItem } from '../run/work-item';
import type { EngineDeps } from './deps';

const MAX_CONFLICTS = 25;

/**
 * Compute a transition from the run as stored and commit it with compare-and-set, recomputing on a
 * concurrent change; then carry out its effects. Returns the committed transition, or undefined when
 * `compute` found nothing to do (or the run is gone).
 */
export async function commitTransition(
  deps: EngineDeps,
  runId: string,
  compute: (run: LoadedRun) => Transition | undefined,
  options: {
    loaded?: LoadedRun;
    release?: { stepId: string; owner: string };
    /** Take one step the transition schedules (leased to `owner` by the commit itself) instead of enqueueing it. */
    continueWith?: { pick(items: WorkItem[]): StepWorkItem | undefined; owner: string; leaseMs: number };
  } = {},
): Promise<(Transition & { continued?: StepWorkItem }) | undefined> {
  let run = options.loaded;
  for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts += 1) {
    run ??= await deps.state.loadRun(runId);
    if (!run) return undefined;
    const transition = compute(run);
    if (!transition) return undefined;
    // Index pauses first: an entry whose pause never got committed is stale and ignored, a missing one would strand the run.
    if (transition.effects.addPauses.length > 0) await Promise.all(transition.effects.addPauses.map((pause) => deps.state.addPause(pause)));
    const { continueWith } = options;
    const continued = continueWith?.pick(transition.effects.enqueue);
    const lease: CommitLease | undefined = continueWith && continued
      ? { stepId: continued.stepId, owner: continueWith.owner, until: deps.clock.now() + continueWith.leaseMs }
      : undefined;
    if (await deps.state.commitRun(transition.doc, transition.outputs, options.release, lease)) {
      const { effects } = transition;
      await applyEffects(deps, continued ? { ...effects, enqueue: effects.enqueue.filter((item) => item !== continued) } : effects);
      return continued ? { ...transition, continued } : transition;
    }
    run = undefined;
  }
  throw new PlatformError(`run ${runId}: gave up after ${MAX_CONFLICTS} concurrent changes`);
}

/** Enqueue the work and drop the pauses a committed transition produced. */
async function applyEffects(deps: EngineDeps, effects: Effects): Promise<void> {
  await enqueueWork(deps, effects.enqueue);
  if (effects.removePauses.length === 0) return;
  await Promise.all(effects.removePauses.map((pause) => deps.state.removePause(pause.event, pause.id)));
}

export async function enqueueWork(deps: EngineDeps, items: WorkItem[]): Promise<void> {
  if (items.length === 0) return;
  const now = deps.clock.now();
  await deps.queue.send(items.map((body) => ({ body, delayMs: Math.max(0, body.dueAt - now) })));
}
