/** A request as both the local server and the Lambda handlers see it, framework-free. */
export interface ApiRequest {
  method: string;
  /** The path without query string, e.g. `/v1/runs/01H...`. */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The raw body; undefined when there is none. */
  body?: Buffer;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

/** The error shape of both APIs: `{"error": "...", "status": N}`, as Inngest answers. */
export function errorResponse(status: number, error: string): ApiResponse {
  return { status, body: { error, status } };
}

/** Parse a JSON body; undefined means malformed (the caller answers 400 naming it). */
export function parseJsonBody(body: Buffer | undefined): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (!body || body.length === 0) return { ok: false, reason: 'the body is empty: send JSON' };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { ok: false, reason: `malformed JSON (${error instanceof Error ? error.message : String(error)})` };
  }
}
