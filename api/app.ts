import type { EventStream } from '../core/events/stream';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../core/errors';
import { FormatError } from '../core/format';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/ports/logger';
import type { EngineDeps, IntakeDeps } from '../core/services/deps';
import { type CoreDeps, type CoreRoute, coreRoutes } from './core-api';
import type { AppsDeps } from './sdk-apps';
import { faultsAsDependency } from './dependency';
import { type EventApiConfig, postEvents } from './event-api';
import { type ApiResponse, DependencyError, type RouteRequest, errorResponse } from './http';
import { allowedHostSet, refuseForeign } from './local-guard';
import { keyMatches } from './secrets';
import type { SessionStore } from '../core/ports/sessions';
import { type DashboardParts, type DashboardRequest, dashboardRoutes } from './dashboard';
import { refuseCrossSite, sessionIdOf } from './session';

/** The parts one deployment serves: each route group is mounted only when its dependencies are given. */
export interface AppParts {
  logger: Logger;
  /** `POST /e/{eventKey}` (SPEC section 2). */
  events?: { intake: IntakeDeps; config: EventApiConfig };
  /** `/v1/...` (SPEC section 6); an empty apiKey leaves it open (local use). */
  core?: { engine: EngineDeps; apiKey: string; stream?: EventStream; apps?: AppsDeps };
  /** `GET /health`: throws when a dependency cannot be reached. */
  health?: () => Promise<void>;
  /**
   * The open local stack's guard (issue 9): a group whose key is unset answers only requests from
   * this machine (Host) and not sent by another site's page (Origin, Sec-Fetch-Site). Unset: no guard.
   */
  localGuard?: { allowedHosts: readonly string[] };
  /** The dashboard (SPEC section 8), served beside the core API and logged in with its key. */
  dashboard?: DashboardParts;
  /**
   * `GET /metrics`: Prometheus text (the local stack, the ECS Event API). `loopbackOnly`: answered
   * only to this machine or task (a public listener behind a load balancer keeps its figures in).
   */
  metrics?: { render(): Promise<string>; contentType: string; loopbackOnly?: boolean };
}

type Handler = (request: RouteRequest) => Promise<ApiResponse>;
type Env = {
  Variables: { requestId: string; body: Buffer | undefined };
  /** Lambda's event (hono/aws-lambda), or node's request (@hono/node-server). */
  Bindings: { event?: { requestContext?: { requestId?: string } }; incoming?: IncomingMessage };
};

/**
 * The stack's one HTTP application (hono), served unchanged by the local server, Lambda (HTTP API
 * payload 2.0) and the containers. Errors as SPEC sections 2 and 6 say: 404 for no route, 405 with
 * Allow for a wrong method, 400 for a malformed escape or a body nested past 64 levels, 413 over
 * the body limit, 401 without a key, 503 when a dependency fails, 500 with a request id for a bug.
 */
export function createApp(parts: AppParts): Hono<Env> {
  const { logger } = parts;
  const app = new Hono<Env>();
  const routes = new Map<string, Map<string, { handler: Handler; guards: MiddlewareHandler<Env>[] }>>();
  /** Routes that answer a whole Response (pages and assets), not JSON. */
  const rawRoutes = new Map<string, (request: DashboardRequest) => Promise<Response>>();
  const add = (method: string, path: string, handler: Handler, guards: MiddlewareHandler<Env>[] = []): void => {
    const methods = routes.get(path) ?? new Map();
    methods.set(method, { handler, guards });
    routes.set(path, methods);
  };

  app.use(async (c, next) => {
    const requestId = c.env?.event?.requestContext?.requestId ?? nextRequestId();
    c.set('requestId', requestId);
    await next();
  });
  app.use(async (c, next) => {
    const malformed = malformedEscape(c.req.url);
    if (malformed) return send(c, errorResponse(400, `URL: ${malformed} is a malformed escape: write % as %25, or encode the value with encodeURIComponent`));
    return next();
  });

  if (parts.events) {
    const { intake, config } = parts.events;
    const guarded = { ...intake, stream: faultsAsDependency(intake.stream, 'the event stream') };
    const guards = guardsFor(parts, config.eventKeys.length > 0, 'EVENT_KEYS', config.maxBodyBytes);
    const post: Handler = (request) => postEvents(guarded, config, request);
    for (const path of ['/e/:eventKey', '/e/', '/e']) add('POST', path, post, guards);
  }
  if (parts.core) {
    const { engine, apiKey, stream, apps } = parts.core;
    const guarded: CoreDeps = {
      ...engine, state: faultsAsDependency(engine.state, 'the state store'), ...(stream ? { stream: faultsAsDependency(stream, 'the event stream') } : {}),
      ...(apps ? { apps } : {}),
      ...(engine.history ? { history: faultsAsDependency(engine.history, 'the history store') } : {}),
    };
    const guards = guardsFor(parts, apiKey !== '', 'API_KEY', 512 * 1024);
    if (apiKey) app.use('/v1/*', requireKey(apiKey, parts.dashboard?.sessions));
    if (parts.dashboard) {
      const dashboardGuards = guardsFor(parts, apiKey !== '', 'API_KEY', 64 * 1024);
      for (const [method, path, handle] of dashboardRoutes(parts.dashboard, apiKey)) {
        add(method, path, async () => { throw new Error('served as a Response'); }, dashboardGuards);
        rawRoutes.set(`${method} ${path}`, handle);
      }
    }
    for (const [method, path, handle] of coreRoutes as CoreRoute[]) add(method, path, (request) => handle(guarded, request), guards);
  }
  if (parts.metrics) {
    const metrics = parts.metrics;
    const allowed = parts.localGuard && allowedHostSet(parts.localGuard.allowedHosts);
    app.get('/metrics', async (c) => {
      const remote = c.env?.incoming?.socket.remoteAddress ?? '';
      if (metrics.loopbackOnly && !/^(127\.|::1$|::ffff:127\.)/.test(remote)) return send(c, errorResponse(404, 'no route GET /metrics'));
      const refused = allowed && refuseForeign({ host: c.req.header('host'), origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') }, allowed, 'API_KEY');
      if (refused) return send(c, refused);
      return new Response(await metrics.render(), { status: 200, headers: { 'content-type': metrics.contentType } });
    });
  }
  if (parts.health) {
    const health = parts.health;
    add('GET', '/health', async () => {
      try {
        await health();
        return { status: 200, body: { status: 'ok' } };
      } catch (error) {
        return errorResponse(503, `unhealthy: ${errorMessage(error)}`);
      }
    });
  }

  // hono's overloads type a fixed number of handlers; the guards are a list.
  const on = app.on.bind(app) as (method: string, path: string, ...handlers: MiddlewareHandler<Env>[]) => unknown;
  for (const [path, methods] of routes) {
    for (const [method, { handler, guards }] of methods) {
      const raw = rawRoutes.get(`${method} ${path}`);
      on(method, path, ...guards, async (c) => (raw
        ? withRequestId(c, await raw({ method: c.req.method, header: (name) => c.req.header(name), url: c.req.url, params: c.req.param() as Record<string, string>, body: c.get('body') }))
        : send(c, await handler(routeRequest(c)))));
    }
    const allow = [...methods.keys(), ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
    app.all(path, (c) => send(c, { ...errorResponse(405, `${c.req.method} is not allowed here: use ${allow}`), headers: { allow } }));
  }

  app.notFound((c) => send(c, errorResponse(404, `no route ${c.req.method} ${new URL(c.req.url).pathname}`)));
  app.onError((error, c) => {
    const requestId = c.get('requestId');
    if (error instanceof DependencyError) {
      logger.warn('dependency unreachable', { requestId, route: c.req.routePath, error: errorMessage(error) });
      return send(c, errorResponse(503, `${error.dependency} did not answer: send the request again later`));
    }
    if (error instanceof FormatError) {
      // Written by another release: no bug of this one, and its own message names both versions.
      logger.warn('document of an unknown format refused', { requestId, route: c.req.routePath, error: error.message });
      return send(c, errorResponse(503, error.message));
    }
    logger.error('request failed: a bug', { requestId, route: c.req.routePath, method: c.req.method, error: errorMessage(error), stack: error.stack });
    return send(c, errorResponse(500, `internal error: the logs carry request id ${requestId}`, { request_id: requestId }));
  });
  return app;
}

const requestIdPrefix = randomBytes(6).toString('hex');
let requestCount = 0;
/** Unique per process and cheap (a ULID per request showed in the Event API's profile); Lambda brings its own. */
const nextRequestId = (): string => `${requestIdPrefix}-${(requestCount += 1).toString(36)}`;

/** The body limit on routes that read a body, and the open local stack's guard on a group whose key is unset. */
function guardsFor(parts: AppParts, keyed: boolean, keyName: string, maxBodyBytes: number): MiddlewareHandler<Env>[] {
  const guards: MiddlewareHandler<Env>[] = [];
  const localGuard = parts.localGuard;
  if (localGuard && !keyed) {
    const allowed = allowedHostSet(localGuard.allowedHosts);
    guards.push(async (c, next) => {
      const refused = refuseForeign({ host: c.req.header('host'), origin: c.req.header('origin'), secFetchSite: c.req.header('sec-fetch-site') }, allowed, keyName);
      return refused ? send(c, refused) : next();
    });
  }
  guards.push(async (c, next) => {
    const body = await readBody(c, maxBodyBytes);
    if (body === 'too-large') return send(c, errorResponse(413, `request body is over ${maxBodyBytes} bytes: send fewer events per request`));
    c.set('body', body);
    return next();
  });
  return guards;
}

/** The core API's key: `Authorization: Bearer <key>`, or the dashboard's session cookie from its own pages. */
function requireKey(apiKey: string, sessions: SessionStore | undefined): MiddlewareHandler<Env> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (presented !== '' && keyMatches(presented, [apiKey])) return next();
    const request = { method: c.req.method, header: (name: string) => c.req.header(name), url: c.req.url };
    const sessionId = sessionIdOf(request);
    if (presented === '' && sessions && sessionId !== '' && (await faultsAsDependency(sessions, 'the session store').isLive(sessionId))) {
      const refused = refuseCrossSite(request);
      return refused ? send(c, refused) : next();
    }
    return send(c, errorResponse(401, 'Authorization: Bearer <api key> required (or log in on the dashboard)'));
  };
}

function withRequestId(c: Context<Env>, response: Response): Response {
  response.headers.set('x-request-id', c.get('requestId'));
  return response;
}

function routeRequest(c: Context<Env>): RouteRequest {
  const url = c.req.url;
  return {
    params: c.req.param() as Record<string, string>,
    query: url.includes('?') ? new URL(url).searchParams : new URLSearchParams(),
    header: (name) => c.req.header(name),
    body: c.get('body'),
  };
}

/**
 * The body, up to `limit` bytes; past it, 'too-large' without buffering the rest. On node it is read
 * from the socket (building a fetch Request costs more than the whole route); on Lambda it is in the event.
 */
async function readBody(c: Context<Env>, limit: number): Promise<Buffer | undefined | 'too-large'> {
  const incoming = c.env?.incoming;
  if (!incoming) {
    const body = Buffer.from(await c.req.arrayBuffer());
    if (body.length > limit) return 'too-large';
    return body.length > 0 ? body : undefined;
  }
  if (Number(incoming.headers['content-length'] ?? 0) > limit) return 'too-large';
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        incoming.off('data', onData);
        incoming.resume(); // let the rest drain, so the 413 reaches the client
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    incoming.on('data', onData);
    incoming.once('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks)));
    incoming.once('error', reject);
  });
}

/**
 * The answer as JSON with the request id. Plain-object headers, not hono's `c.json`: @hono/node-server
 * writes those straight to the socket, while a Headers object costs a conversion per response.
 */
function send(c: Context<Env>, response: ApiResponse): Response {
  return new Response(JSON.stringify(response.body), {
    status: response.status,
    headers: { 'content-type': 'application/json', 'x-request-id': c.get('requestId'), ...response.headers },
  });
}

/** The first `%` escape of the URL's path or query that does not decode, or undefined. */
function malformedEscape(url: string): string | undefined {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const rest = start < 0 ? '' : url.slice(start);
  if (!rest.includes('%')) return undefined;
  for (const part of rest.split(/[/?&=]/)) {
    try {
      decodeURIComponent(part);
    } catch {
      return JSON.stringify(part.length > 40 ? `${part.slice(0, 40)}...` : part);
    }
  }
  return undefined;
}
