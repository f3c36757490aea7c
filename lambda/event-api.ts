import middy from '@middy/core';
import { createApp } from '../api/app';
import { type HttpApiHandler, httpApiHandler } from '../platform/http/lambda';
import { type EventApiDeps, eventApiDeps } from './event-api-deps';
import { secretsFromNames } from './secrets';

/** `POST /e/{eventKey}` and `GET /health` (SPEC section 2) over an HTTP API event: the stack's app with those routes only. */
export function makeHandler(deps: () => EventApiDeps): HttpApiHandler {
  return httpApiHandler(() => {
    const { intake, logger, config, health } = deps();
    return createApp({ logger, events: { intake, config }, health });
  });
}

export const handler = middy(makeHandler(eventApiDeps)).use(secretsFromNames());
