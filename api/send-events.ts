import { PayloadTooLargeError, ValidationError } from '../core/errors';
import type { EventStream } from '../core/events/stream';
import type { EngineDeps } from '../core/services/deps';
import { acceptEventBatch } from '../core/services/intake';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';

/**
 * `POST /v1/events`: send events with the API key instead of an event key (the dashboard's "send a
 * test event"); validated and answered as `POST /e/{eventKey}` (SPEC section 2).
 */
export async function sendEventsRoute(deps: EngineDeps & { stream?: EventStream }, request: RouteRequest): Promise<ApiResponse> {
  if (!deps.stream) return errorResponse(503, 'this deployment cannot publish events: send them to POST /e/{eventKey}');
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  try {
    const ids = await acceptEventBatch({ stream: deps.stream, clock: deps.clock, newId: deps.newId, ...(deps.metrics ? { metrics: deps.metrics } : {}) }, parsed.value);
    deps.metrics?.count('events_accepted', {}, ids.length);
    return { status: 200, body: { ids, status: 200 } };
  } catch (error) {
    if (error instanceof PayloadTooLargeError || error instanceof ValidationError) return errorResponse(error instanceof PayloadTooLargeError ? 413 : 400, error.message);
    throw error;
  }
}
