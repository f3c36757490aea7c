import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { CRON_CATCH_UP_MS, fireCronTicks } from '../core/services/cron';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps } from './deps';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';

/**
 * How far back each invocation looks: SPEC's catch-up limit, so that ticks of missed invocations run
 * once when one is back (none from before a trigger was registered). EventBridge fires about once a
 * minute, sometimes late or twice; overlapping windows are harmless because every tick's run is
 * claimed once (a tick seen again only re-sends its run's pending work, which executors drop).
 */
export const CRON_WINDOW_MS = CRON_CATCH_UP_MS;

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
