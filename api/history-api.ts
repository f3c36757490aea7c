import { ValidationError } from '../core/errors';
import { compileExpression } from '../core/expressions/cel';
import type { Expression } from '../core/expressions/expression';
import type { HistoryStore } from '../core/ports/history';
import { cancelRuns } from '../core/services/bulk-cancel';
import { rerunRun } from '../core/services/rerun';
import { listEvents, listRuns } from '../core/services/run-history';
import type { EngineDeps } from '../core/services/deps';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';
import { type Parsed, encodeCursor, parseCursor, parseLimit, parseStatus, parseTime } from './query-params';

type WithHistory = EngineDeps & { history: HistoryStore };

const noHistory = (): ApiResponse => errorResponse(503, 'this deployment keeps no run history: give its engine a history store');

function withHistory(handle: (deps: WithHistory, request: RouteRequest) => Promise<ApiResponse>) {
  return (deps: EngineDeps, request: RouteRequest): Promise<ApiResponse> => {
    const { history } = deps;
    return history ? handle({ ...deps, history }, request) : Promise.resolve(noHistory());
  };
}

/** The first failed parse's 400, else the values. */
function all<T extends Record<string, Parsed<unknown>>>(parsed: T): { error: ApiResponse } | { values: { [K in keyof T]: T[K] extends Parsed<infer V> ? V : never } } {
  const values: Record<string, unknown> = {};
  for (const [name, result] of Object.entries(parsed)) {
    if (!result.ok) return { error: errorResponse(400, result.error) };
    values[name] = result.value;
  }
  return { values: values as { [K in keyof T]: T[K] extends Parsed<infer V> ? V : never } };
}

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/** `GET /v1/runs?function_id=&status=&from=&to=&limit=&cursor=` (SPEC section 6). */
export const listRunsRoute = withHistory(async (deps, { query }) => {
  const parsed = all({
    status: parseStatus(query.get('status')), from: parseTime('from', query.get('from')), to: parseTime('to', query.get('to')),
    limit: parseLimit(query.get('limit')), cursor: parseCursor(query.get('cursor')),
  });
  if ('error' in parsed) return parsed.error;
  const { status, from, to, limit, cursor } = parsed.values;
  const functionId = query.get('function_id') || undefined;
  const page = await listRuns(deps, {
    limit, ...optional('functionId', functionId), ...optional('status', status), ...optional('from', from), ...optional('to', to), ...optional('after', cursor),
  });
  return { status: 200, body: { data: page.data, metadata: { next_cursor: encodeCursor(page.next) } } };
});

/** `GET /v1/events?name=&from=&to=&limit=&cursor=` (SPEC section 6); `dead=true` is served by the dead-event list. */
export const listEventsRoute = withHistory(async (deps, { query }) => {
  const parsed = all({
    from: parseTime('from', query.get('from')), to: parseTime('to', query.get('to')), limit: parseLimit(query.get('limit')), cursor: parseCursor(query.get('cursor')),
  });
  if ('error' in parsed) return parsed.error;
  const { from, to, limit, cursor } = parsed.values;
  const page = await listEvents(deps, {
    limit, ...optional('name', query.get('name') || undefined), ...optional('from', from), ...optional('to', to), ...optional('after', cursor),
  });
  return { status: 200, body: { data: page.data, metadata: { next_cursor: encodeCursor(page.next) } } };
});

/** `GET /v1/runs/{runId}/attempts`: every settled attempt of the run's steps with its times (the dashboard's timeline). */
export const listAttemptsRoute = withHistory(async (deps, { params }) => {
  const run = await deps.state.loadRun(params.runId!);
  if (!run) return errorResponse(404, `run ${params.runId} not found`);
  const attempts = await deps.history.listAttempts(run.id);
  return {
    status: 200,
    body: {
      data: attempts.map((entry) => ({
        step_id: entry.stepId, attempt: entry.attempt, outcome: entry.outcome, error: entry.error ?? null,
        started_at: new Date(entry.startedAt).toISOString(), ended_at: new Date(entry.endedAt).toISOString(), duration_ms: entry.endedAt - entry.startedAt,
      })),
    },
  };
});

/** An object body with only `allowed` keys, or the 400 naming the one at fault. */
function objectBody(request: RouteRequest, allowed: string[], empty: 'allowed' | 'refused'): { error: ApiResponse } | { body: Record<string, unknown> } {
  if (request.body === undefined && empty === 'allowed') return { body: {} };
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return { error: errorResponse(400, `body: ${parsed.reason}`) };
  const body = parsed.value;
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { error: errorResponse(400, `body: must be a JSON object with ${allowed.join(', ')}`) };
  const unknown = Object.keys(body).find((key) => !allowed.includes(key));
  if (unknown !== undefined) return { error: errorResponse(400, `body.${unknown}: unknown field: use ${allowed.join(', ')}`) };
  return { body: body as Record<string, unknown> };
}

/** `POST /v1/runs/{runId}/rerun` with `{}` or `{"from_step"}`. */
export async function rerunRoute(deps: EngineDeps, request: RouteRequest): Promise<ApiResponse> {
  const given = objectBody(request, ['from_step'], 'allowed');
  if ('error' in given) return given.error;
  const fromStep = given.body.from_step;
  if (fromStep !== undefined && (typeof fromStep !== 'string' || fromStep === '')) return errorResponse(400, 'from_step: must be a step id (a non-empty string), or left out to rerun from the start');
  try {
    const run = await rerunRun(deps, request.params.runId!, fromStep);
    return run ? { status: 200, body: { data: run } } : errorResponse(404, `run ${request.params.runId} not found`);
  } catch (error) {
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}

/** `POST /v1/cancellations` with `{"function_id", "started_after", "started_before", "if"?}`. */
export const cancellationsRoute = withHistory(async (deps, request) => {
  const given = objectBody(request, ['function_id', 'started_after', 'started_before', 'if'], 'refused');
  if ('error' in given) return given.error;
  const body = given.body;
  if (typeof body.function_id !== 'string' || body.function_id === '') return errorResponse(400, 'function_id: required, the id of the function whose runs to cancel');
  const times: number[] = [];
  for (const name of ['started_after', 'started_before'] as const) {
    const value = body[name];
    if (typeof value !== 'string') return errorResponse(400, `${name}: required, an RFC 3339 time like 2026-12-01T10:00:00Z`);
    const parsed = parseTime(name, value);
    if (!parsed.ok) return errorResponse(400, parsed.error);
    times.push(parsed.value!);
  }
  const [startedAfter, startedBefore] = times as [number, number];
  if (startedAfter > startedBefore) return errorResponse(400, 'started_after: is later than started_before: swap them');
  let expression: Expression | undefined;
  if (body.if !== undefined) {
    if (typeof body.if !== 'string' || body.if === '') return errorResponse(400, 'if: must be a CEL expression over `event` (a string), or left out');
    try {
      expression = compileExpression(body.if);
    } catch (error) {
      return errorResponse(400, `if: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const cancelled = await cancelRuns(deps, { functionId: body.function_id, startedAfter, startedBefore, ...(expression ? { if: expression } : {}) });
  return { status: 200, body: { data: { cancelled } } };
});
