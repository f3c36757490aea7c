import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { postEvents } from '../api/event-api';
import { type ApiResponse, errorResponse } from '../api/http';
import { errorMessage } from '../core/errors';
import { type EventApiDeps, eventApiDeps } from './event-api-deps';
import { toApiRequest, toHttpResult } from './http-event';

/** `POST /e/{eventKey}` and `GET /health` (SPEC section 2) over an HTTP API event. */
export function makeHandler(deps: () => EventApiDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = toApiRequest(event);
    return toHttpResult(await routeEventApi(deps(), request.method, request.path, request.body));
  };
}

/** The Event API's routes, shared by this Lambda and the ECS container (executor/container.ts). */
export async function routeEventApi(deps: EventApiDeps, method: string, path: string, body: Buffer | undefined): Promise<ApiResponse> {
  const eventRoute = /^\/e\/([^/]*)$/.exec(path);
  if (eventRoute && method === 'POST') return postEvents({ ...deps.intake, logger: deps.logger }, deps.config, decodeURIComponent(eventRoute[1] ?? ''), body);
  if (path === '/health' && method === 'GET') {
    try {
      await deps.health();
      return { status: 200, body: { status: 'ok' } };
    } catch (error) {
      return errorResponse(503, `unhealthy: ${errorMessage(error)}`);
    }
  }
  return errorResponse(404, `no route ${method} ${path}`);
}

export const handler = middy(makeHandler(eventApiDeps));
