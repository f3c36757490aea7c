import { ValidationError } from '../core/errors';
import { validateFunction } from '../core/functions/validate';
import type { EngineDeps } from '../core/services/deps';
import { cancelRunById, getRun, getRunsForEvent } from '../core/services/runs';
import { type ApiRequest, type ApiResponse, errorResponse, parseJsonBody } from './http';

type Route = (deps: EngineDeps, params: string[], request: ApiRequest) => Promise<ApiResponse>;

const data = (value: unknown): ApiResponse => ({ status: 200, body: { data: value } });
const notFound = (what: string): ApiResponse => errorResponse(404, `${what} not found`);

const routes: [method: string, pattern: RegExp, route: Route][] = [
  ['GET', /^\/v1\/events\/([^/]+)\/runs$/, async (deps, [eventId]) => data(await getRunsForEvent(deps, eventId!))],
  ['GET', /^\/v1\/events\/([^/]+)$/, async (deps, [eventId]) => {
    const event = await deps.state.getEvent(eventId!);
    return event ? data(event) : notFound(`event ${eventId}`);
  }],
  ['GET', /^\/v1\/runs\/([^/]+)$/, async (deps, [runId]) => {
    const run = await getRun(deps, runId!);
    return run ? data(run) : notFound(`run ${runId}`);
  }],
  ['POST', /^\/v1\/runs\/([^/]+)\/cancel$/, async (deps, [runId]) => {
    const run = await cancelRunById(deps, runId!);
    return run ? data(run) : notFound(`run ${runId}`);
  }],
  ['GET', /^\/v1\/functions$/, async (deps) => data(await deps.state.listFunctions())],
  ['GET', /^\/v1\/functions\/([^/]+)$/, async (deps, [id]) => {
    const fn = await deps.state.getFunction(id!);
    return fn ? data(fn) : notFound(`function ${id}`);
  }],
  ['PUT', /^\/v1\/functions\/([^/]+)$/, putFunction],
  ['DELETE', /^\/v1\/functions\/([^/]+)$/, async (deps, [id]) =>
    (await deps.state.deleteFunction(id!)) ? data({ id, deleted: true }) : notFound(`function ${id}`)],
];

async function putFunction(deps: EngineDeps, [id]: string[], request: ApiRequest): Promise<ApiResponse> {
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
    await deps.state.putFunction(definition);
    return data(definition);
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}

/** The `/v1/...` routes; undefined when the path is not one of them. */
export async function routeCoreApi(deps: EngineDeps, request: ApiRequest): Promise<ApiResponse | undefined> {
  for (const [method, pattern, route] of routes) {
    const match = pattern.exec(request.path);
    if (!match) continue;
    if (request.method !== method) continue;
    return route(deps, match.slice(1).map(decodeURIComponent), request);
  }
  return request.path.startsWith('/v1/') ? errorResponse(404, `no route ${request.method} ${request.path}`) : undefined;
}
