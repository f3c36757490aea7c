import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { fireCronTicks } from '../core/services/cron';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps } from './deps';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';

/**
 * How far back each invocation looks. EventBridge fires about once a minute, sometimes late or
 * twice; overlapping windows are harmless because every tick's run is claimed once (a tick seen
 * again only re-sends its run's pending work, which executors drop as duplicates). Three minutes
 * survive two missed invocations.
 */
export const CRON_WINDOW_MS = 3 * 60 * 1000;

/** Every minute: start the runs of the cron ticks due in the last window. Returns the window, for logs and tests. */
export function makeHandler(deps: () => EngineHandlerDeps, windowMs = CRON_WINDOW_MS) {
  return async (_event: ScheduledEvent): Promise<{ from: string; to: string; functions: number }> => {
    const { runner } = deps();
    const to = runner.clock.now();
    const from = to - windowMs;
    const functions = (await runner.catalog.list()).filter((fn) => fn.cronTriggers.length > 0);
    await fireCronTicks(runner, functions, from, to);
    return { from: new Date(from).toISOString(), to: new Date(to).toISOString(), functions: functions.length };
  };
}

export const handler = middy(makeHandler(engineHandlerDeps)).use(secretsFromNames()).use(releaseWhenLocal(closeEngineDeps));
