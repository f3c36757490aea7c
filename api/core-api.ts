import { ValidationError } from '../core/errors';
import { validateFunction } from '../core/functions/validate';
import type { EngineDeps } from '../core/services/deps';
import { cancelRunById, getRun, getRunsForEvent } from '../core/services/runs';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';

export type CoreRoute = [method: string, path: string, handle: (deps: EngineDeps, request: RouteRequest) => Promise<ApiResponse>];

const data = (value: unknown): ApiResponse => ({ status: 200, body: { data: value } });
const notFound = (what: string): ApiResponse => errorResponse(404, `${what} not found`);

/** The core API (SPEC section 6), one line per route: method, path (`:name` parameters), handler. */
export const coreRoutes: CoreRoute[] = [
  ['GET', '/v1/events/:eventId/runs', async (deps, { params }) => data(await getRunsForEvent(deps, params.eventId!))],
  ['GET', '/v1/events/:eventId', async (deps, { params }) => {
    const event = await deps.state.getEvent(params.eventId!);
    return event ? data(event) : notFound(`event ${params.eventId}`);
  }],
  ['GET', '/v1/runs/:runId', async (deps, { params }) => {
    const run = await getRun(deps, params.runId!);
    return run ? data(run) : notFound(`run ${params.runId}`);
  }],
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
  ['DELETE', '/v1/functions/:id', async (deps, { params }) =>
    (await deps.state.deleteFunction(params.id!)) ? data({ id: params.id, deleted: true }) : notFound(`function ${params.id}`)],
];

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
    await deps.state.putFunction(definition);
    return data(definition);
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}
