import { ValidationError } from '../core/errors';
import type { SdkApp } from '../core/ports/apps';
import { registerApp, removeApp, syncApp } from '../core/services/apps';
import { registrationAllowed } from '../core/sdk/registration-token';
import type { SdkDriver } from '../core/ports/sdk-driver';
import type { EngineDeps } from '../core/services/deps';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';

/** What SDK apps' routes need: the driver that calls apps, and the key their registrations are checked against. */
export interface AppsDeps {
  driver: SdkDriver;
  signingKey: string;
}

type AppsRouteDeps = EngineDeps & { apps?: AppsDeps };
type AppsRoute = [method: string, path: string, handle: (deps: AppsRouteDeps, request: RouteRequest) => Promise<ApiResponse>];

const shown = (app: SdkApp): Record<string, unknown> => ({
  id: app.id, url: app.url, functions: app.functions, synced_at: new Date(app.syncedAt).toISOString(),
  ...(app.sdk ? { sdk: app.sdk } : {}), ...(app.framework ? { framework: app.framework } : {}),
});

const noDriver = (): ApiResponse => errorResponse(503, 'this deployment cannot call SDK apps: sync them through the core API of a stack that runs them');

/** Inngest SDK apps (SPEC sections 4 and 6): sync, list, delete, and the SDK's own registration call. */
export const appRoutes: AppsRoute[] = [
  ['GET', '/v1/apps', async (deps) => ({ status: 200, body: { data: (await deps.state.listApps()).map(shown) } })],
  ['POST', '/v1/apps', postApp],
  ['DELETE', '/v1/apps/:appId', async (deps, { params }) =>
    (await removeApp(deps, params.appId!)) ? { status: 200, body: { data: { id: params.appId, deleted: true } } } : errorResponse(404, `app ${params.appId} not found`)],
  ['POST', '/fn/register', register],
];

async function postApp(deps: AppsRouteDeps, request: RouteRequest): Promise<ApiResponse> {
  if (!deps.apps) return noDriver();
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  const url = (parsed.value as { url?: unknown } | null)?.url;
  if (typeof url !== 'string' || url === '') return errorResponse(400, 'url: required, the app\'s serve() URL, e.g. {"url": "http://127.0.0.1:3000/api/inngest"}');
  try {
    const synced = await syncApp(deps, deps.apps.driver, url);
    return { status: 200, body: { data: { ...shown(synced.app), ...(synced.notApplied.length > 0 ? { not_applied: synced.notApplied } : {}) } } };
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}

/**
 * `POST /fn/register`: an app registering itself (`INNGEST_BASE_URL` pointing here). Its bearer token
 * must be the one its signing key makes (SPEC section 4); the SDK reads the status from the body.
 */
async function register(deps: AppsRouteDeps, request: RouteRequest): Promise<ApiResponse> {
  const signingKey = deps.apps?.signingKey ?? '';
  if (!signingKey) return errorResponse(401, 'registration refused: this stack has no SIGNING_KEY; set it (hex, as the app\'s INNGEST_SIGNING_KEY)');
  if (!registrationAllowed(request.header('authorization'), signingKey)) {
    return errorResponse(401, 'registration refused: the bearer token does not match this stack\'s SIGNING_KEY; give the app the same INNGEST_SIGNING_KEY');
  }
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  const body = (parsed.value ?? {}) as Record<string, unknown>;
  try {
    const registered = await registerApp(deps, { appId: body.appName, url: body.url, functions: body.functions, sdk: body.sdk, framework: body.framework });
    return { status: 200, body: { status: 200, ok: true, modified: true, app_id: registered.app.id } };
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}
