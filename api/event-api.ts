import { PayloadTooLargeError, ValidationError } from '../core/errors';
import type { IntakeDeps } from '../core/services/deps';
import { acceptEventBatch } from '../core/services/intake';
import { type ApiResponse, type RouteRequest, errorResponse } from './http';
import { parseJsonBody } from './json-body';
import { keyMatches } from './secrets';

export interface EventApiConfig {
  /** Accepted event keys; empty accepts any non-empty key (local use). @default [] */
  eventKeys: string[];
  /** Largest request body. @default 512 KiB */
  maxBodyBytes: number;
}

export const DEFAULT_MAX_BODY_BYTES = 512 * 1024;

/**
 * `POST /e/{eventKey}`: answers 200 with the ids only once the event stream accepted every event.
 * A stream that cannot take them is a DependencyError (503, from faultsAsDependency); anything else thrown is a bug (500).
 */
export async function postEvents(deps: IntakeDeps, config: EventApiConfig, request: RouteRequest): Promise<ApiResponse> {
  const eventKey = request.params.eventKey ?? '';
  if (!eventKey) return errorResponse(401, 'event key required: POST /e/{eventKey}');
  if (config.eventKeys.length > 0 && !keyMatches(eventKey, config.eventKeys)) return errorResponse(401, 'unknown event key');
  const parsed = parseJsonBody(request.body);
  if (!parsed.ok) return errorResponse(400, `body: ${parsed.reason}`);
  try {
    const ids = await acceptEventBatch(deps, parsed.value);
    deps.metrics?.count('events_accepted', {}, ids.length);
    return { status: 200, body: { ids, status: 200 } };
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return errorResponse(413, error.message);
    if (error instanceof ValidationError) return errorResponse(400, error.message);
    throw error;
  }
}
