import middy from '@middy/core';
import { createApp } from '../api/app';
import { type HttpApiHandler, httpApiHandler } from '../platform/http/lambda';
import { type EngineHandlerDeps, closeEngineDeps, engineHandlerDeps } from './deps';
import { releaseWhenLocal } from './local-release';
import { secretsFromNames } from './secrets';

/** The core API (`/v1/...`, SPEC section 6) over an HTTP API event: the stack's app with those routes only. */
export function makeHandler(deps: () => EngineHandlerDeps): HttpApiHandler {
  return httpApiHandler(() => {
    const { engine, logger, apiKey } = deps();
    return createApp({ logger, core: { engine, apiKey } });
  });
}

export const handler = middy(makeHandler(engineHandlerDeps)).use(secretsFromNames()).use(releaseWhenLocal(closeEngineDeps));
