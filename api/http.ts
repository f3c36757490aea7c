/** What a route handler sees of a request, whatever server carried it. */
export interface RouteRequest {
  /** Path parameters, decoded (malformed escapes were refused before). */
  params: Record<string, string>;
  query: URLSearchParams;
  /** A header by lower-case name. */
  header(name: string): string | undefined;
  /** The raw body; undefined when there is none. */
  body: Buffer | undefined;
}

export interface ApiResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The error shape of both APIs: `{"error": "...", "status": N}`, as Inngest answers. */
export function errorResponse(status: number, error: string, extra: Record<string, unknown> = {}): ApiResponse {
  return { status, body: { error, status, ...extra } };
}

/** A dependency (the event stream, the state store) could not be reached: 503, the same request may succeed later. */
export class DependencyError extends Error {
  constructor(readonly dependency: string, options: { cause: unknown }) {
    super(`${dependency} unreachable: ${options.cause instanceof Error ? options.cause.message : String(options.cause)}`, options);
    this.name = 'DependencyError';
  }
}
