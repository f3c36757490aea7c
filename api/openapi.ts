import { z } from 'zod';
import { type ResponseName, requests, responses } from './api-schemas';

/** One documented operation: what it takes and every answer it gives (besides 401, 404, 405, 5xx, common to all). */
export interface Operation {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI style: `/v1/runs/{runId}`. */
  path: string;
  summary: string;
  query?: Record<string, string>;
  body?: keyof typeof requests;
  /** Status to the response shape. */
  answers: Partial<Record<200 | 400 | 404 | 413 | 503, ResponseName>>;
}

const page = { limit: 'Entries per page, 1..100 (default 20)', cursor: 'metadata.next_cursor of the previous page' };

/** Every route of the stack's app (SPEC sections 2 and 6). */
export const operations: Operation[] = [
  { method: 'POST', path: '/e/{eventKey}', summary: 'Send one event or an array of events', body: 'events', answers: { 200: 'accepted', 400: 'error', 413: 'error', 503: 'error' } },
  { method: 'GET', path: '/health', summary: 'Whether this part reaches its dependencies', answers: { 200: 'health', 503: 'error' } },
  {
    method: 'GET', path: '/v1/runs', summary: 'Runs, newest first, without step outputs',
    query: { function_id: 'Only this function\'s runs', status: 'Running, Completed, Failed or Cancelled', from: 'Earliest start (RFC 3339)', to: 'Latest start (RFC 3339)', ...page },
    answers: { 200: 'runPage', 400: 'error' },
  },
  { method: 'GET', path: '/v1/runs/{runId}', summary: 'One run with its steps and outputs', answers: { 200: 'run', 404: 'error' } },
  { method: 'POST', path: '/v1/runs/{runId}/cancel', summary: 'Cancel a run', answers: { 200: 'run', 404: 'error' } },
  { method: 'POST', path: '/v1/runs/{runId}/rerun', summary: 'Rerun from the start ({}) or from a step ({"from_step"})', body: 'rerun', answers: { 200: 'run', 400: 'error', 404: 'error' } },
  { method: 'GET', path: '/v1/runs/{runId}/attempts', summary: 'Every settled attempt of the run\'s steps, with start, end and duration', answers: { 200: 'attempts', 404: 'error' } },
  { method: 'POST', path: '/v1/events', summary: 'Send events with the API key (as POST /e/{eventKey} answers)', body: 'events', answers: { 200: 'accepted', 400: 'error', 413: 'error', 503: 'error' } },
  { method: 'POST', path: '/v1/cancellations', summary: 'Cancel every running run of a function started in a window (and matching `if`)', body: 'cancellations', answers: { 200: 'cancelled', 400: 'error' } },
  {
    method: 'GET', path: '/v1/events', summary: 'Events, newest first; dead=true: the events the runner could not process',
    query: { name: 'Only events of this name', from: 'Earliest time (RFC 3339)', to: 'Latest time (RFC 3339)', dead: 'true: dead events', ...page },
    answers: { 200: 'eventPage', 400: 'error' },
  },
  { method: 'GET', path: '/v1/events/{eventId}', summary: 'One event', answers: { 200: 'event', 404: 'error' } },
  { method: 'GET', path: '/v1/events/{eventId}/runs', summary: 'The runs an event started', answers: { 200: 'runs' } },
  { method: 'POST', path: '/v1/events/{eventId}/resend', summary: 'Send a dead event again', answers: { 200: 'resent', 404: 'error', 503: 'error' } },
  { method: 'GET', path: '/v1/functions', summary: 'Registered functions', answers: { 200: 'functions' } },
  { method: 'GET', path: '/v1/functions/{id}', summary: 'One function', answers: { 200: 'function', 404: 'error' } },
  { method: 'PUT', path: '/v1/functions/{id}', summary: 'Create or replace a function (validated as SPEC section 3)', body: 'function', answers: { 200: 'function', 400: 'error' } },
  { method: 'DELETE', path: '/v1/functions/{id}', summary: 'Delete a function', answers: { 200: 'deleted', 404: 'error' } },
  { method: 'GET', path: '/v1/apps', summary: 'Inngest SDK apps and their functions', answers: { 200: 'apps' } },
  { method: 'POST', path: '/v1/apps', summary: 'Sync an Inngest SDK app from its serve() URL (in band, else it registers itself)', body: 'app', answers: { 200: 'app', 400: 'error', 503: 'error' } },
  { method: 'POST', path: '/fn/register', summary: 'The SDK\'s own registration (bearer: its hashed signing key); errors carry status in the body', body: 'register', answers: { 200: 'registered', 400: 'error' } },
  { method: 'DELETE', path: '/v1/apps/{appId}', summary: 'Remove an SDK app and its functions', answers: { 200: 'deleted', 404: 'error' } },
  { method: 'GET', path: '/v1/openapi.json', summary: 'This description', answers: { 200: 'openapi' } },
];

const schema = (value: z.ZodType): unknown => {
  const { $schema: _, ...rest } = z.toJSONSchema(value, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const common = {
  401: 'Authorization: Bearer <api key> missing or wrong (or, for /e, an unknown event key)',
  404: 'Unknown route or id',
  405: 'Known route, wrong method (see Allow)',
  500: 'A bug: the answer carries a request id the logs also have',
};

/** The OpenAPI 3.1 description of `operations`, built once. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const operation of operations) {
    const pathParameters = [...operation.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    const queryParameters = Object.entries(operation.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } }));
    const answers: Record<string, unknown> = {};
    for (const [status, name] of Object.entries(operation.answers)) {
      answers[status] = { description: name, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
    }
    for (const [status, description] of Object.entries(common)) {
      answers[status] ??= { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/error' } } } };
    }
    (paths[operation.path] ??= {})[operation.method.toLowerCase()] = {
      operationId: `${operation.method.toLowerCase()}${operation.path.replace(/[{}]/g, '').replace(/[/.-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: operation.summary,
      ...(pathParameters.length + queryParameters.length > 0 ? { parameters: [...pathParameters, ...queryParameters] } : {}),
      ...(operation.body ? { requestBody: { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/request_${operation.body}` } } } } } : {}),
      responses: answers,
      security: operation.path.startsWith('/v1/') ? [{ apiKey: [] }] : [],
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Stepstack', version: '1', description: 'Event API and core API of a Stepstack stage (SPEC sections 2 and 6).' },
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'The stage\'s API_KEY' } },
      schemas: {
        ...Object.fromEntries(Object.entries(responses).map(([name, value]) => [name, schema(value)])),
        ...Object.fromEntries(Object.entries(requests).map(([name, value]) => [`request_${name}`, schema(value)])),
      },
    },
  };
}
