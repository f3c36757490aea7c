import { errorMessage } from '../core/errors';
import type { Logger } from '../core/ports/logger';
import type { EngineDeps, IntakeDeps } from '../core/services/deps';
import { routeCoreApi } from './core-api';
import { type EventApiConfig, postEvents } from './event-api';
import { type ApiRequest, type ApiResponse, errorResponse } from './http';
import { keyMatches } from './secrets';

export interface RouterConfig extends EventApiConfig {
  /** Bearer key of the core API; empty leaves it open (local use). */
  apiKey: string;
}

export interface RouterDeps {
  intake: IntakeDeps;
  engine: EngineDeps;
  logger: Logger;
  /** Throws when a dependency cannot be reached. */
  health(): Promise<void>;
}

/** Every HTTP route of the stack: the Event API, the core API and the health check. */
export function createRouter(deps: RouterDeps, config: RouterConfig): (request: ApiRequest) => Promise<ApiResponse> {
  return async (request) => {
    try {
      const eventRoute = /^\/e\/([^/]*)$/.exec(request.path);
      if (eventRoute) {
        if (request.method !== 'POST') return errorResponse(405, 'send events with POST /e/{eventKey}');
        return await postEvents({ ...deps.intake, logger: deps.logger }, config, decodeURIComponent(eventRoute[1] ?? ''), request.body);
      }
      if (request.path === '/health' && request.method === 'GET') return await health(deps);
      if (request.path.startsWith('/v1/') && config.apiKey && !authorized(request, config.apiKey)) {
        return errorResponse(401, 'Authorization: Bearer <api key> required');
      }
      return (await routeCoreApi(deps.engine, request)) ?? errorResponse(404, `no route ${request.method} ${request.path}`);
    } catch (error) {
      deps.logger.error('request failed', { method: request.method, path: request.path, error: errorMessage(error) });
      return errorResponse(500, 'internal error: see the stack logs');
    }
  };
}

function authorized(request: ApiRequest, apiKey: string): boolean {
  const header = request.headers.authorization ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  return presented !== '' && keyMatches(presented, [apiKey]);
}

async function health(deps: RouterDeps): Promise<ApiResponse> {
  try {
    await deps.health();
    return { status: 200, body: { status: 'ok' } };
  } catch (error) {
    return errorResponse(503, `unhealthy: ${errorMessage(error)}`);
  }
}
