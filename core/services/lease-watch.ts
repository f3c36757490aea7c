import { errorMessage } from '../errors';
import type { EngineDeps } from './deps';

/** Why a running attempt was stopped: its lease went to someone else (or could not be renewed in time), or its run ended. */
export type StopReason = 'lost' | 'ended';

export interface LeaseWatch {
  /** Aborts when the executor drains or the attempt must stop: hand it to the driver. */
  readonly signal: AbortSignal;
  /** Set once the attempt must stop. */
  readonly stopped: StopReason | undefined;
  close(): void;
}

/**
 * Keep a running step's lease alive, renewing it three times per lease interval, and stop the attempt
 * when a renewal answers that the lease is lost or the run ended (cancelled), or when no renewal got
 * through before the lease ran out (SPEC section 5).
 */
export function watchLease(
  deps: EngineDeps & { leaseMs: number }, lease: { runId: string; stepId: string; attempt: number; owner: string }, outer: AbortSignal,
): LeaseWatch {
  const controller = new AbortController();
  let stopped: StopReason | undefined;
  let until = deps.clock.now() + deps.leaseMs;
  let renewing = false;
  const stop = (reason: StopReason): void => {
    if (stopped) return;
    stopped = reason;
    clearInterval(timer);
    controller.abort(new Error(reason === 'ended' ? 'the run ended while the step ran' : 'the step\'s lease was lost'));
  };
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    const now = deps.clock.now();
    deps.state.renewLease({ ...lease, leaseMs: deps.leaseMs, now })
      .then((answer) => {
        if (answer === 'renewed') until = now + deps.leaseMs;
        else stop(answer);
      })
      .catch((error: unknown) => {
        deps.logger.warn('lease renewal failed', { runId: lease.runId, stepId: lease.stepId, error: errorMessage(error) });
        if (deps.clock.now() >= until) stop('lost');
      })
      .finally(() => {
        renewing = false;
      });
  }, Math.max(20, deps.leaseMs / 3));
  // The outer signal (the worker's drain) aborts this one too. A listener removed on close, rather than
  // AbortSignal.any, which costs more per step and leaves a dependent on the long-lived outer signal.
  const onOuterAbort = (): void => controller.abort(outer.reason);
  if (outer.aborted) onOuterAbort();
  else outer.addEventListener('abort', onOuterAbort, { once: true });
  return {
    signal: controller.signal,
    get stopped() {
      return stopped;
    },
    close() {
      clearInterval(timer);
      outer.removeEventListener('abort', onOuterAbort);
    },
  };
}
