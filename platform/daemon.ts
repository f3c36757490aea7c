import { errorMessage } from '../core/errors';
import type { Logger } from '../core/ports/logger';
import type { Queue, QueueMessage } from '../core/ports/queue';
import type { Disposition } from '../core/services/executor';
import { type Worker, startWorker } from '../core/services/worker-loop';
import { loadSettings } from './settings';

/** Where the daemon is in its life; it only ever moves forward. */
export type DaemonState = 'STARTING' | 'RUNNING' | 'DRAINING' | 'STOPPED';

/** Exit codes, so that systemd (and whoever reads the journal) knows how the daemon ended. */
export const EXIT = {
  /** Stopped on a signal; every item in hand finished. */
  DRAINED: 0,
  /** Could not start (bad settings, unreachable backends) or failed while running: systemd restarts it. */
  FAILED: 1,
  /** Stopped on a signal, but the drain deadline passed: unfinished items were aborted and reappear on the queue. */
  DRAIN_TIMEOUT: 2,
  /** The machine is leaving its auto-scaling group: drained, lifecycle action completed; systemd must not restart it. */
  RETIRED: 3,
  /** The settings are wrong (EX_CONFIG of sysexits.h): every problem is in the log; systemd must not restart it (RestartPreventExitStatus). */
  CONFIG: 78,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Why the daemon stops: a process signal (systemd stop, reboot) or the machine's retirement from its group. */
export type StopReason = 'signal' | 'retire';

export interface DaemonOptions<T> {
  /** Names the daemon in logs. */
  name: string;
  queue: Queue<T>;
  /** Handle one message; throwing leaves it on the queue (a platform fault). */
  handle(message: QueueMessage<T>, signal: AbortSignal): Promise<Disposition>;
  /** Runs before any work is taken, e.g. removing containers a previous daemon left behind. @default nothing */
  prepare?(): Promise<void>;
  /** Runs after draining for retirement, e.g. completing the ASG lifecycle action. @default nothing */
  retire?(): Promise<void>;
  /** Releases connections once drained. */
  close(): Promise<void>;
  /** Messages handled at once. @default 10 */
  concurrency?: number;
  /** How long a received message stays hidden, extended while handled. @default 60_000 */
  visibilityMs?: number;
  /** Long-poll wait. @default 20_000 */
  waitMs?: number;
  /** How long work in hand may finish after a stop is asked; then it is aborted. @default DRAIN_DEADLINE's default (60 s) */
  drainDeadlineMs?: number;
  logger: Logger;
  /** Subscribes to process signals. @default (signal, listener) => process.on(signal, listener) */
  onSignal?(signal: NodeJS.Signals, listener: () => void): void;
  /** Ends the process. @default process.exit */
  exit?(code: ExitCode): void;
  /** Correlation ids of a message for the log line of its failure. @default none */
  correlate?(body: T): Record<string, unknown>;
  /** @default core's startWorker */
  startWorker?: typeof startWorker;
}

export interface Daemon {
  readonly state: DaemonState;
  /** Drain, then stop; resolves with the exit code, which also goes to `exit`. Asking twice gives the same answer. */
  stop(reason: StopReason): Promise<ExitCode>;
  /** Resolves with the exit code once the daemon is STOPPED. */
  readonly stopped: Promise<ExitCode>;
}

/** DRAIN_DEADLINE's default, the one value every entry point uses (platform/settings/variables.ts). */
export const DEFAULT_DRAIN_DEADLINE_MS = loadSettings({}).DRAIN_DEADLINE;

/**
 * A queue-consuming daemon as middy's ecs-batch and Temporal's worker run one: STARTING (prepare),
 * RUNNING (poll and handle with bounded concurrency), DRAINING on SIGTERM/SIGINT or retirement
 * (no new work; work in hand gets until the deadline, then is aborted and returns to the queue),
 * STOPPED with a meaningful exit code.
 */
export function startDaemon<T>(options: DaemonOptions<T>): Daemon {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSignal = options.onSignal ?? ((signal: NodeJS.Signals, listener: () => void) => void process.on(signal, listener));
  const drainDeadlineMs = options.drainDeadlineMs ?? DEFAULT_DRAIN_DEADLINE_MS;
  let state: DaemonState = 'STARTING';
  let worker: Worker | undefined;
  let aborted = 0;
  let stopping: Promise<ExitCode> | undefined;
  let stopAsked: StopReason | undefined;
  let resolveStopped!: (code: ExitCode) => void;
  const stopped = new Promise<ExitCode>((resolve) => (resolveStopped = resolve));

  const finish = async (code: ExitCode): Promise<ExitCode> => {
    await options.close().catch((error: unknown) => logger.error(`${options.name}: close failed`, { error: errorMessage(error) }));
    state = 'STOPPED';
    logger.info(`${options.name}: stopped`, { exitCode: code });
    resolveStopped(code);
    exit(code);
    return code;
  };

  const drain = async (reason: StopReason): Promise<ExitCode> => {
    state = 'DRAINING';
    logger.info(`${options.name}: draining`, { reason, deadlineMs: drainDeadlineMs });
    await worker?.stop(drainDeadlineMs);
    if (reason === 'retire') {
      await options.retire?.().catch((error: unknown) => logger.error(`${options.name}: retirement failed`, { error: errorMessage(error) }));
      return finish(EXIT.RETIRED);
    }
    if (aborted > 0) logger.warn(`${options.name}: drain deadline passed; aborted items return to the queue`, { aborted });
    return finish(aborted > 0 ? EXIT.DRAIN_TIMEOUT : EXIT.DRAINED);
  };

  const stop = (reason: StopReason): Promise<ExitCode> => {
    if (state === 'STARTING') {
      // Asked to stop before work began: start nothing, and stop once preparing is over.
      stopAsked ??= reason;
      return stopped;
    }
    stopping ??= drain(reason);
    return stopping;
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    onSignal(signal, () => {
      if (state === 'DRAINING' || state === 'STOPPED') {
        logger.warn(`${options.name}: ${signal} while ${state.toLowerCase()}: already stopping`);
        return;
      }
      logger.info(`${options.name}: ${signal}`);
      void stop('signal');
    });
  }

  const handle = async (message: QueueMessage<T>, signal: AbortSignal): Promise<Disposition> => {
    try {
      return await options.handle(message, signal);
    } finally {
      if (signal.aborted) aborted += 1;
    }
  };

  const start = async (): Promise<void> => {
    try {
      await options.prepare?.();
    } catch (error) {
      logger.error(`${options.name}: could not start`, { error: errorMessage(error) });
      stopping = finish(EXIT.FAILED);
      return;
    }
    if (stopAsked) {
      stopping = stopAsked === 'retire' ? drain('retire') : finish(EXIT.DRAINED);
      return;
    }
    worker = (options.startWorker ?? startWorker)({
      name: options.name,
      queue: options.queue,
      handle,
      logger,
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.visibilityMs === undefined ? {} : { visibilityMs: options.visibilityMs }),
      ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
      ...(options.correlate ? { correlate: options.correlate } : {}),
    });
    state = 'RUNNING';
    logger.info(`${options.name}: running`);
  };
  void start();

  return {
    get state() {
      return state;
    },
    stop,
    stopped,
  };
}
