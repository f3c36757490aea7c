import middy from '@middy/core';
import { createApp } from '../api/app';
import { createInngestDriver } from '../adapters/inngest-driver';
import type { DashboardParts } from '../api/dashboard';
import { type HttpApiHandler, httpApiHandler } from '../platform/http/lambda';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps } from './deps';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';
import { stageIntake } from '../platform/compose/intake';
import { lazy } from '../platform/lazy';
import { loadSettings } from '../platform/settings';
import { loadDashboardAssets } from '../platform/dashboard-assets';
import { redisSessionsFor } from '../platform/state';

/** The event stream, when the stage gives its URL: dead events are sent again through it. */
const eventStream = lazy(() => {
  const settings = loadSettings(process.env);
  return settings.EVENT_STREAM_URL ? stageIntake(settings).intake.stream : undefined;
});

/** What the SDK apps' routes need: the driver that syncs apps, signed with SIGNING_KEY, and that key for registrations. */
const sdkApps = lazy(() => {
  const { SIGNING_KEY: signingKey, HTTP_ALLOW_LINK_LOCAL: allowLinkLocal } = loadSettings(process.env);
  return { driver: createInngestDriver({ signingKey, allowLinkLocal }), signingKey };
});

/** The dashboard's files (packed into this function's zip) and its sessions on the stage's Redis. */
const dashboard = lazy(() => ({ assets: loadDashboardAssets(), sessions: redisSessionsFor(loadSettings(process.env, { require: ['REDIS_URL'] })) }));

/** The core API (`/v1/...`, SPEC section 6) over an HTTP API event: the stack's app with those routes only. */
export function makeHandler(deps: () => EngineHandlerDeps, dashboardParts?: () => DashboardParts): HttpApiHandler {
  return httpApiHandler(() => {
    const { engine, logger, apiKey } = deps();
    const stream = eventStream();
    return createApp({ logger, core: { engine, apiKey, ...(stream ? { stream } : {}), apps: sdkApps() }, ...(dashboardParts ? { dashboard: dashboardParts() } : {}) });
  });
}

export const handler = middy(makeHandler(engineHandlerDeps, dashboard)).use(secretsFromNames()).use(releaseWhenLocal(async () => {
  await closeEngineDeps();
  if (dashboard.peek()) await dashboard().sessions.close();
}));
