import { createHash, randomBytes } from 'node:crypto';
import type { SessionStore } from '../core/ports/sessions';
import { type ApiResponse, errorResponse } from './http';

export const SESSION_COOKIE = 'stepstack_session';
/** How long a dashboard login lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** What the session checks read of a request. */
export interface SessionRequest {
  method: string;
  header(name: string): string | undefined;
  /** The request's URL as the server saw it (its scheme tells https). */
  url: string;
}

/** A new session secret (the cookie's value) and the id it is stored under (its digest). */
export function newSessionSecret(): { secret: string; id: string } {
  const secret = randomBytes(32).toString('base64url');
  return { secret, id: sessionId(secret) };
}

const sessionId = (secret: string): string => createHash('sha256').update(secret).digest('base64url');

/** Over https (directly, or behind API Gateway or a proxy that says so). */
export const isHttps = (request: SessionRequest): boolean =>
  request.url.startsWith('https:') || request.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';

/** `Set-Cookie` for a session: HttpOnly, SameSite=Strict, Secure over https; or, without a secret, the one that clears it. */
export function sessionCookie(request: SessionRequest, secret: string | undefined): string {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(isHttps(request) ? ['Secure'] : [])];
  return secret === undefined
    ? [`${SESSION_COOKIE}=`, ...attributes, 'Max-Age=0'].join('; ')
    : [`${SESSION_COOKIE}=${secret}`, ...attributes, `Max-Age=${SESSION_TTL_MS / 1000}`].join('; ');
}

/** The session secret the request's cookie carries, if any. */
export function presentedSecret(request: SessionRequest): string | undefined {
  for (const part of (request.header('cookie') ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value.length > 0 && value.join('=') !== '') return value.join('=');
  }
  return undefined;
}

/** The stored id of the session the request's cookie names ('' when it names none: never live). */
export function sessionIdOf(request: SessionRequest): string {
  const secret = presentedSecret(request);
  return secret !== undefined && /^[A-Za-z0-9_-]{43}$/.test(secret) ? sessionId(secret) : '';
}

/** Whether the request's cookie names a live session. */
export async function hasLiveSession(sessions: SessionStore, request: SessionRequest): Promise<boolean> {
  const id = sessionIdOf(request);
  return id !== '' && sessions.isLive(id);
}

/** End the session the request's cookie names. */
export async function endPresentedSession(sessions: SessionStore, request: SessionRequest): Promise<void> {
  const secret = presentedSecret(request);
  if (secret !== undefined) await sessions.endSession(sessionId(secret));
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A request that changes something on the strength of a cookie must come from the dashboard's own
 * pages: SameSite=Strict keeps the cookie off other sites' requests in current browsers, and this
 * refuses any request whose browser marks it cross-site or whose Origin is another (or missing).
 * Undefined when it may pass.
 */
export function refuseCrossSite(request: SessionRequest): ApiResponse | undefined {
  if (SAFE.has(request.method)) return undefined;
  const site = request.header('sec-fetch-site')?.toLowerCase();
  const origin = request.header('origin');
  const host = request.header('host') ?? '';
  const sameOrigin = origin !== undefined && originHost(origin) === host.toLowerCase();
  if ((site !== undefined && site !== 'same-origin') || !sameOrigin) {
    return errorResponse(403, `cross-site request refused (Origin ${JSON.stringify(origin ?? '')}, Sec-Fetch-Site ${JSON.stringify(site ?? '')}): `
      + 'a session cookie works from the dashboard\'s own pages only; other callers send Authorization: Bearer <api key>');
  }
  return undefined;
}

function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}
