import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { routeEventApi } from '../api/event-api';
import { toApiRequest, toHttpResult } from '../platform/http/lambda-event';
import { type EventApiDeps, eventApiDeps } from './event-api-deps';

/** `POST /e/{eventKey}` and `GET /health` (SPEC section 2) over an HTTP API event. */
export function makeHandler(deps: () => EventApiDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = toApiRequest(event);
    return toHttpResult(await routeEventApi(deps(), request.method, request.path, request.body));
  };
}

export const handler = middy(makeHandler(eventApiDeps));
