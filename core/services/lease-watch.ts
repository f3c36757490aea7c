import { errorMessage } from '../errors';
import type { EngineDeps } from './deps';

/** Why a running attempt was stopped: its lease went to someone else (or could not be renewed in time), or its run ended. */
export type StopReason = 'lost' | 'ended';

export interface WatchedLease { runId: string; stepId: string; attempt: number; owner: string }

export interface LeaseWatch {
  /** Aborts when the executor drains or the attempt must stop: hand it to the driver. */
  readonly signal: AbortSignal;
  /** Set once the attempt must stop. */
  readonly stopped: StopReason | undefined;
  close(): void;
}

/** Watches the leases of one step after another (a chain run in place), one at a time. */
export interface LeaseWatcher {
  /** Start watching a step's lease; closing the watch ends it, not the watcher. */
  watch(lease: WatchedLease): LeaseWatch;
  /** Stops renewing and leaves the outer signal. */
  close(): void;
}

interface Watched { lease: WatchedLease; until: number; stopped?: StopReason }

/**
 * Keep a running step's lease alive, renewing it three times per lease interval, and stop the attempt
 * when a renewal answers that the lease is lost or the run ended (cancelled), or when no renewal got
 * through before the lease ran out (SPEC section 5).
 *
 * A chain's steps share the watcher's abort controller, renewal timer and listener on the outer
 * signal: making them anew for every step cost a chained step about 5 µs. The shared timer renews a
 * step's lease at most a third of the interval after it starts, never later than a timer of its own.
 */
export function watchLeases(deps: EngineDeps & { leaseMs: number }, outer: AbortSignal): LeaseWatcher {
  let controller = new AbortController();
  let current: Watched | undefined;
  let timer: NodeJS.Timeout | undefined;
  let renewing = false;
  const stop = (watched: Watched, reason: StopReason): void => {
    // A late answer about a step that already ended must not stop the one after it.
    if (watched.stopped || current !== watched) return;
    watched.stopped = reason;
    controller.abort(new Error(reason === 'ended' ? 'the run ended while the step ran' : 'the step\'s lease was lost'));
  };
  const renew = (): void => {
    const watched = current;
    if (!watched || watched.stopped || renewing) return;
    renewing = true;
    const now = deps.clock.now();
    deps.state.renewLease({ ...watched.lease, leaseMs: deps.leaseMs, now })
      .then((answer) => {
        if (answer === 'renewed') watched.until = now + deps.leaseMs;
        else stop(watched, answer);
      })
      .catch((error: unknown) => {
        deps.logger.warn('lease renewal failed', { runId: watched.lease.runId, stepId: watched.lease.stepId, error: errorMessage(error) });
        if (deps.clock.now() >= watched.until) stop(watched, 'lost');
      })
      .finally(() => {
        renewing = false;
      });
  };
  // The outer signal (the worker's drain) aborts the attempts too. A listener removed on close, rather
  // than AbortSignal.any, which costs more and leaves a dependent on the long-lived outer signal.
  const onOuterAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  return {
    watch(lease) {
      if (current) throw new Error(`lease of step '${current.lease.stepId}' still watched: close its watch first`);
      if (controller.signal.aborted && !outer.aborted) controller = new AbortController();
      const watched: Watched = { lease, until: deps.clock.now() + deps.leaseMs };
      current = watched;
      timer ??= setInterval(renew, Math.max(20, deps.leaseMs / 3));
      return new StepWatch(controller.signal, watched, () => {
        if (current === watched) current = undefined;
      });
    },
    close() {
      current = undefined;
      clearInterval(timer);
      outer.removeEventListener('abort', onOuterAbort);
    },
  };
}

/** One step's watch. A class, not an object literal with a getter: one is made per step, and V8 builds such literals slowly. */
class StepWatch implements LeaseWatch {
  constructor(readonly signal: AbortSignal, private readonly watched: Watched, private readonly onClose: () => void) {}

  get stopped(): StopReason | undefined {
    return this.watched.stopped;
  }

  close(): void {
    this.onClose();
  }
}

/** Watch one step's lease (see watchLeases). */
export function watchLease(deps: EngineDeps & { leaseMs: number }, lease: WatchedLease, outer: AbortSignal): LeaseWatch {
  const watcher = watchLeases(deps, outer);
  const watch = watcher.watch(lease);
  return {
    signal: watch.signal,
    get stopped() {
      return watch.stopped;
    },
    close() {
      watcher.close();
    },
  };
}
