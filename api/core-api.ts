import type { EventStream } from '../core/events/stream';
import { ValidationError } from '../core/errors';
import { validateFunction } from '../core/functions/validate';
import { noteCronRegistration } from '../core/services/cron';
import { listDeadEvents, resendDeadEvent } from '../core/services/dead-events';
import type { EngineDeps } from '../core/services/deps';
import { cancelRunById, getRun, getRunsForEvent } from '../core/services/runs';
import { cancellationsRoute, listAttemptsRoute, listEventsRoute, listRunsRoute, rerunRoute } from './history-api';
import { sendEventsRoute } from './send-events';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';
import { type AppsDeps, appRoutes } from './sdk-apps';
import { openApiDocument } from './openapi';

/** What the core API works over: the engine, and the event stream where a deployment can publish to it (resending dead events). */
export type CoreDeps = EngineDeps & { stream?: EventStream; apps?: AppsDeps };

export type CoreRoute = [method: string, path: string, handle: (deps: CoreDeps, request: RouteRequest) => Promise<ApiResponse>];

const data = (value: unknown): ApiResponse => ({ status: 200, body: { data: value } });
const notFound = (what: string): ApiResponse => errorResponse(404, `${what} not found`);

/** The core API (SPEC section 6), one line per route: method, path (`:name` parameters), handler. */
export const coreRoutes: CoreRoute[] = [
  ['GET', '/v1/events', (deps, request) => (request.query.get('dead') === 'true' ? listEvents(deps, request) : listEventsRoute(deps, request))],
  ['POST', '/v1/events/:eventId/resend', async (deps, { params }) => {
    if (!deps.stream) return errorResponse(503, 'this deployment cannot publish events: resend through the core API of the local stack or the Lambda core API');
    const event = await resendDeadEvent({ state: deps.state, stream: deps.stream }, params.eventId!);
    return event ? data({ id: event.id, resent: true }) : notFound(`dead event ${params.eventId}`);
  }],
  ['GET', '/v1/events/:eventId/runs', async (deps, { params }) => data(await getRunsForEvent(deps, params.eventId!))],
  ['GET', '/v1/events/:eventId', async (deps, { params }) => {
    const [event, skipped] = await Promise.all([deps.state.getEvent(params.eventId!), deps.state.flow.skipsOf(params.eventId!)]);
    // Why it started no run of some function (SPEC section 3): listed only when flow control skipped one.
    return event ? data(skipped.length > 0 ? { ...event, skipped } : event) : notFound(`event ${params.eventId}`);
  }],
  ['GET', '/v1/runs/:runId', async (deps, { params }) => {
    const run = await getRun(deps, params.runId!);
    return run ? data(run) : notFound(`run ${params.runId}`);
  }],
  ['POST', '/v1/events', sendEventsRoute],
  ['GET', '/v1/runs', listRunsRoute],
  ['POST', '/v1/runs/:runId/rerun', rerunRoute],
  ['GET', '/v1/runs/:runId/attempts', listAttemptsRoute],
  ['POST', '/v1/cancellations', cancellationsRoute],
  ['POST', '/v1/runs/:runId/cancel', async (deps, { params }) => {
    const run = await cancelRunById(deps, params.runId!);
    return run ? data(run) : notFound(`run ${params.runId}`);
  }],
  ['GET', '/v1/functions', async (deps) => data(await deps.state.listFunctions())],
  ['GET', '/v1/functions/:id', async (deps, { params }) => {
    const fn = await deps.state.getFunction(params.id!);
    return fn ? data(fn) : notFound(`function ${params.id}`);
  }],
  ['PUT', '/v1/functions/:id', putFunction],
  ['GET', '/v1/openapi.json', async () => ({ status: 200, body: (openApi ??= openApiDocument()) })],
  ['DELETE', '/v1/functions/:id', async (deps, { params }) =>
    (await deps.state.deleteFunction(params.id!)) ? data({ id: params.id, deleted: true }) : notFound(`function ${params.id}`)],
  ...appRoutes,
];

let openApi: Record<string, unknown> | undefined;

/** `GET /v1/events?dead=true`: the events the runner could not process, newest first. */
async function listEvents(deps: CoreDeps, { query }: RouteRequest): Promise<ApiResponse> {
  const limitText = query.get('limit') ?? '20';
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > 100) return errorResponse(400, `limit: "${limitText}" is not a whole number from 1 to 100`);
  const page = await listDeadEvents(deps, limit, query.get('cursor') ?? undefined);
  return {
    status: 200,
    body: {
      data: page.events.map((dead) => ({ ...dead.event, dead: { at: new Date(dead.deadAt).toISOString(), receive_count: dead.receiveCount } })),
      metadata: { next_cursor: page.next },
    },
  };
}

async function putFunction(deps: EngineDeps, request: RouteRequest): Promise<ApiResponse> {
  const id = request.params.id!;
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  const raw = parsed.value;
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const bodyId = (raw as { id?: unknown }).id;
    if (bodyId !== undefined && bodyId !== id) return errorResponse(400, `id: "${String(bodyId)}" differs from the path's "${id}"; make them equal or leave id out`);
    (raw as { id?: unknown }).id = id;
  }
  try {
    const definition = validateFunction(raw, `PUT /v1/functions/${id}`);
    // Cron ticks from before a trigger was registered never run (SPEC section 5).
    await noteCronRegistration(deps.state, definition, deps.clock.now(), deps.retentionMs);
    await deps.state.putFunction(definition);
    return data(definition);
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}
