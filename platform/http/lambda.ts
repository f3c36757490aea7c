import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The app over HTTP API (payload 2.0) events; the app is built on the first invocation, never at import time. */
export function httpApiHandler<E extends object>(buildApp: () => Hono<E & object>): HttpApiHandler {
  let handler: ReturnType<typeof handle> | undefined;
  return async (event, context) => {
    handler ??= handle(buildApp() as unknown as Hono);
    return (await handler(event as never, context as never)) as APIGatewayProxyStructuredResultV2;
  };
}
