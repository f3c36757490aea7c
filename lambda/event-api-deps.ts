import { DEFAULT_MAX_BODY_BYTES, type EventApiConfig } from '../api/event-api';
import type { Logger } from '../core/ports/logger';
import type { IntakeDeps } from '../core/services/deps';
import { stageIntake } from '../platform/compose/intake';
import { createCloudWatchMetrics } from '../platform/metrics/cloudwatch';
import { lazy } from '../platform/lazy';
import { loggerFor } from '../platform/logging';
import { loadSettings } from '../platform/settings';

/** What the Event API function needs: the event stream only (no Redis, no VPC): its bundle stays small. */
export interface EventApiDeps {
  intake: IntakeDeps;
  logger: Logger;
  config: EventApiConfig;
  /** Throws when the event stream cannot be reached. */
  health(): Promise<void>;
}

/** The Event API's adapters, built from the environment on first use (never at import time). */
export const eventApiDeps = lazy((): EventApiDeps => {
  const settings = loadSettings(process.env, { require: ['EVENT_STREAM_URL'] });
  const { intake, health } = stageIntake(settings);
  return {
    intake: { ...intake, metrics: createCloudWatchMetrics() },
    logger: loggerFor(settings, 'lambda', { service: 'stepstack' }),
    config: { eventKeys: settings.EVENT_KEYS, maxBodyBytes: DEFAULT_MAX_BODY_BYTES },
    health,
  };
});
