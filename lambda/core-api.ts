import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createRouter } from '../api/router';
import { PlatformError } from '../core/errors';
import type { Queue } from '../core/ports/queue';
import type { StepstackEvent } from '../core/events/event';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps } from './deps';
import { releaseWhenLocal } from './local-release';
import { toApiRequest, toHttpResult } from '../platform/http/lambda-event';

/** Events never reach this function (the HTTP API routes `/e/...` to eventApi); fail loudly if that changes. */
const notHere: Queue<StepstackEvent> = {
  send: () => Promise.reject(new PlatformError('events are accepted by the eventApi function: route POST /e/{eventKey} there')),
  receive: () => Promise.resolve([]),
  ack: () => Promise.resolve(),
  setVisibility: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

/** The core API (`/v1/...`, SPEC section 6) over an HTTP API event. */
export function makeHandler(deps: () => EngineHandlerDeps) {
  let router: ReturnType<typeof createRouter> | undefined;
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    if (!router) {
      const { engine, logger, routerConfig } = deps();
      router = createRouter(
        { intake: { stream: notHere, clock: engine.clock, newId: engine.newId }, engine, logger, health: () => engine.state.ping() },
        routerConfig,
      );
    }
    return toHttpResult(await router(toApiRequest(event)));
  };
}

export const handler = middy(makeHandler(engineHandlerDeps)).use(releaseWhenLocal(closeEngineDeps));
