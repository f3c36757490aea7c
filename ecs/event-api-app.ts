import { createApp } from '../api/app';
import { DEFAULT_MAX_BODY_BYTES } from '../api/event-api';
import type { Logger } from '../core/ports/logger';
import { stageIntake } from '../platform/compose/intake';
import { createPrometheusMetrics } from '../platform/metrics/prometheus';
import type { Settings } from '../platform/settings';

/** The Event API container's app: the stack's one HTTP app with the Event API and health mounted, on the stage's event stream. */
export function containerEventApi(settings: Settings, logger: Logger): { app: ReturnType<typeof createApp>; close(): Promise<void> } {
  const { intake, health, close } = stageIntake(settings);
  const config = { eventKeys: settings.EVENT_KEYS, maxBodyBytes: DEFAULT_MAX_BODY_BYTES };
  const metrics = createPrometheusMetrics({ defaultMetrics: true });
  // The Event API listens behind the load balancer: its figures answer the task's own scraper only.
  const exposed = { render: () => metrics.render(), contentType: metrics.contentType, loopbackOnly: true };
  return { app: createApp({ logger, events: { intake: { ...intake, metrics }, config }, health, metrics: exposed }), close };
}
