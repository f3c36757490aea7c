import { PayloadTooLargeError, ValidationError, errorMessage } from '../core/errors';
import type { Logger } from '../core/ports/logger';
import type { IntakeDeps } from '../core/services/deps';
import { acceptEventBatch } from '../core/services/intake';
import { type ApiResponse, errorResponse, parseJsonBody } from './http';
import { keyMatches } from './secrets';

export interface EventApiConfig {
  /** Accepted event keys; empty accepts any non-empty key (local use). @default [] */
  eventKeys: string[];
  /** Largest request body. @default 512 KiB */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

/** `POST /e/{eventKey}`: answers 200 with the ids only once the event stream accepted every event. */
export async function postEvents(
  deps: IntakeDeps & { logger: Logger }, config: EventApiConfig, eventKey: string, body: Buffer | undefined,
): Promise<ApiResponse> {
  if (!eventKey) return errorResponse(401, 'event key required: POST /e/{eventKey}');
  if (config.eventKeys.length > 0 && !keyMatches(eventKey, config.eventKeys)) return errorResponse(401, 'unknown event key');
  if (body && body.length > config.maxBodyBytes) {
    return errorResponse(413, `request body is ${body.length} bytes: the limit is ${config.maxBodyBytes} bytes; send fewer events per request`);
  }
  const parsed = parseJsonBody(body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  try {
    const ids = await acceptEventBatch(deps, parsed.value);
    return { status: 200, body: { ids, status: 200 } };
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return errorResponse(413, error.message);
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    deps.logger.error('event stream did not accept events', { error: errorMessage(error) });
    return errorResponse(503, 'the event stream did not accept every event: send the request again');
  }
}

/** The Event API's routes alone (`POST /e/{eventKey}`, `GET /health`), for the Event API Lambda and container. */
export async function routeEventApi(
  deps: { intake: IntakeDeps; logger: Logger; config: EventApiConfig; health(): Promise<void> },
  method: string, path: string, body: Buffer | undefined,
): Promise<ApiResponse> {
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
