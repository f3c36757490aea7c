import { ValidationError } from '../errors';
import type { SdkApp } from '../ports/apps';
import type { SdkDriver } from '../ports/sdk-driver';
import { sdkFunctionsOf } from '../sdk/config';
import { noteCronRegistration } from './cron';
import type { EngineDeps } from './deps';

/** What an app told about itself: in its in-band sync answer, or in its `POST /fn/register`. */
export interface AppRegistration {
  appId: unknown;
  url: unknown;
  functions: unknown;
  sdk?: unknown;
  framework?: unknown;
}

export interface RegisteredApp {
  app: SdkApp;
  /** SDK configuration Stepstack does not apply, per function. */
  notApplied: string[];
}

/**
 * Register an app's functions (SPEC section 4): each becomes a Stepstack function; a function the app
 * had before and no longer has is removed, so that a re-sync replaces the app's functions. Throws a
 * ValidationError naming each function it cannot take (and registers nothing then).
 */
export async function registerApp(deps: EngineDeps, registration: AppRegistration): Promise<RegisteredApp> {
  const { appId, url } = registration;
  const problems: string[] = [];
  if (typeof appId !== 'string' || appId === '') problems.push('app id: required (the SDK client\'s id)');
  if (typeof url !== 'string' || url === '') problems.push('url: required (the app\'s serve() URL)');
  const found = sdkFunctionsOf(registration.functions);
  problems.push(...found.problems);
  if (problems.length > 0) throw new ValidationError(problems);
  const id = appId as string;
  const previous = await deps.state.getApp(id);
  const now = deps.clock.now();
  for (const definition of found.definitions) {
    await noteCronRegistration(deps.state, definition, now, deps.retentionMs);
    await deps.state.putFunction(definition);
  }
  const ids = found.definitions.map((definition) => definition.id);
  for (const gone of previous?.functions ?? []) if (!ids.includes(gone)) await deps.state.deleteFunction(gone);
  const app: SdkApp = {
    id, url: url as string, functions: ids, syncedAt: now,
    ...(typeof registration.sdk === 'string' ? { sdk: registration.sdk } : {}),
    ...(typeof registration.framework === 'string' ? { framework: registration.framework } : {}),
  };
  await deps.state.putApp(app);
  deps.logger.info('SDK app synced', { appId: id, functions: ids.join(','), ...(found.notApplied.length > 0 ? { notApplied: found.notApplied.join('; ') } : {}) });
  return { app, notApplied: found.notApplied };
}

/**
 * `POST /v1/apps`: ask the app for its configuration in band (a signed PUT); an app that will not
 * answer in band registers itself out of band during that same PUT, through `POST /fn/register`.
 */
export async function syncApp(deps: EngineDeps, driver: SdkDriver, url: string): Promise<RegisteredApp> {
  const started = deps.clock.now();
  const answer = await driver.sync(url, {});
  if (answer.kind === 'failed') throw new ValidationError([answer.error]);
  if (answer.kind === 'in_band') {
    const config = (answer.config ?? {}) as Record<string, unknown>;
    return registerApp(deps, { appId: config.app_id, url: config.url ?? url, functions: config.functions, sdk: config.sdk, framework: config.framework });
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new ValidationError([`url: the app refused to sync in band and its own registration failed (HTTP ${answer.status}): ${answer.message || 'no message'}; check its INNGEST_BASE_URL and INNGEST_SIGNING_KEY`]);
  }
  const apps = await deps.state.listApps();
  const registered = apps.filter((app) => app.syncedAt >= started).sort((a, b) => Number(b.url === url) - Number(a.url === url) || b.syncedAt - a.syncedAt)[0];
  if (!registered) throw new ValidationError([`url: the app answered the sync out of band, but no registration reached Stepstack: set its INNGEST_BASE_URL to this stack's URL`]);
  return { app: registered, notApplied: [] };
}

/** Remove an app and its functions; false when there was no such app. */
export async function removeApp(deps: EngineDeps, appId: string): Promise<boolean> {
  const app = await deps.state.getApp(appId);
  if (!app) return false;
  for (const id of app.functions) await deps.state.deleteFunction(id);
  return deps.state.deleteApp(appId);
}
