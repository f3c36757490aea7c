import type { SessionStore } from '../core/ports/sessions';
import type { ApiResponse } from './http';
import { errorResponse } from './http';
import { parseJsonBody } from './json-body';
import { keyMatches } from './secrets';
import { type SessionRequest, SESSION_TTL_MS, endPresentedSession, hasLiveSession, newSessionSecret, refuseCrossSite, sessionCookie } from './session';

/** The dashboard's built files (index.html, assets/*), by path without the leading slash. */
export interface DashboardAssets {
  file(path: string): { body: Uint8Array; type: string } | undefined;
}

export interface DashboardParts {
  assets: DashboardAssets;
  sessions: SessionStore;
}

export type DashboardRequest = SessionRequest & { params: Record<string, string>; body: Buffer | undefined };
type Route = [method: string, path: string, handle: (request: DashboardRequest) => Promise<Response>];

const json = (response: ApiResponse, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(response.body), { status: response.status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...response.headers, ...headers } });

/** Pages are always served (the page itself asks for the key); headers keep them out of frames and other origins' scripts. */
const PAGE_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The dashboard (SPEC section 8): `GET /` and its assets; `POST /auth/login` with `{"key"}` starts a
 * session (an HttpOnly, SameSite=Strict cookie, Secure over https), `POST /auth/logout` ends it,
 * `GET /auth/session` tells the page whether it is open (no API_KEY) or logged in.
 */
export function dashboardRoutes(parts: DashboardParts, apiKey: string): Route[] {
  const { assets, sessions } = parts;
  const asset = (path: string, cache: string): Response => {
    const found = assets.file(path);
    if (!found) {
      return path === 'index.html'
        ? json(errorResponse(503, 'the dashboard is not built: run npm run build:dashboard (npm start and npm test build it)'))
        : json(errorResponse(404, `no dashboard asset /${path}`));
    }
    return new Response(found.body, { status: 200, headers: { 'content-type': found.type, 'cache-control': cache, ...PAGE_HEADERS } });
  };
  return [
    ['GET', '/', async () => asset('index.html', 'no-cache')],
    ['GET', '/assets/:file', async ({ params }) => asset(`assets/${params.file}`, 'public, max-age=31536000, immutable')],
    ['GET', '/auth/session', async (request) => json({ status: 200, body: { open: apiKey === '', authenticated: apiKey === '' || (await hasLiveSession(sessions, request)) } })],
    ['POST', '/auth/login', async (request) => {
      const refused = refuseCrossSite(request);
      if (refused) return json(refused);
      if (apiKey === '') return json({ status: 200, body: { open: true, authenticated: true } });
      const parsed = parseJsonBody(request.body);
      const key = parsed.ok && parsed.value && typeof parsed.value === 'object' ? (parsed.value as { key?: unknown }).key : undefined;
      if (typeof key !== 'string' || key === '') return json(errorResponse(400, 'key: required: the stage\'s API key, as {"key": "..."}'));
      if (!keyMatches(key, [apiKey])) return json(errorResponse(401, 'key: not this stage\'s API key'));
      const { secret, id } = newSessionSecret();
      await sessions.startSession(id, SESSION_TTL_MS);
      return json({ status: 200, body: { open: false, authenticated: true } }, { 'set-cookie': sessionCookie(request, secret) });
    }],
    ['POST', '/auth/logout', async (request) => {
      const refused = refuseCrossSite(request);
      if (refused) return json(refused);
      await endPresentedSession(sessions, request);
      return json({ status: 200, body: { authenticated: false } }, { 'set-cookie': sessionCookie(request, undefined) });
    }],
  ];
}
