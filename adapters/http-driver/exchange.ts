import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { PlatformError, StepstackError, errorMessage } from '../../core/errors';

/** A response read in full. */
export interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ExchangeRequest {
  url: URL;
  /** @default "POST" */
  method?: 'POST' | 'PUT';
  /** The URL as messages show it (no credentials, no query). */
  display: string;
  /** The body, whole: undici writes headers and body in one system call. */
  body: string | Buffer;
  headers: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  maxResponseBytes: number;
}

/** The step's time ran out before its response ended. */
export class RequestTimeoutError extends StepstackError {
  constructor(readonly timeoutMs: number) {
    super(`request timed out after ${timeoutMs}ms`);
  }
}

/** The response body grew past the limit; reading stopped there. */
export class ResponseTooLargeError extends StepstackError {
  constructor(readonly limit: number, readonly status: number) {
    super(`response body over ${limit} bytes`);
  }
}

/**
 * The connection closed before any of the response came: most often a kept-alive socket the server
 * closed as the request went out (its idle timeout raced ours). Steps are at-least-once, so one
 * immediate try on a fresh socket is allowed rather than costing the step an attempt.
 */
class ClosedBeforeResponseError extends StepstackError {}

const CLOSED_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** Sends the body (POST unless told) and reads the whole response; throws PlatformError when the signal aborts. */
export async function post(connections: Dispatcher, request: ExchangeRequest): Promise<Exchange> {
  const deadline = Date.now() + request.timeoutMs;
  try {
    return await postOnce(connections, request, request.timeoutMs);
  } catch (error) {
    if (!(error instanceof ClosedBeforeResponseError)) throw error;
  }
  try {
    return await postOnce(connections, request, Math.max(1, deadline - Date.now()));
  } catch (error) {
    throw error instanceof ClosedBeforeResponseError ? error.cause : error;
  }
}

function postOnce(connections: Dispatcher, request: ExchangeRequest, waitMs: number): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let settled = false;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (error: Error): void => {
      if (!settle()) return;
      // Ends the exchange on its socket (undici closes a socket whose response was cut short).
      if (controller && !controller.aborted) controller.abort(error);
      reject(error);
    };
    const onAbort = (): void => {
      const reason = request.signal.reason === undefined ? 'aborted' : errorMessage(request.signal.reason);
      fail(new PlatformError(`HTTP step call to ${request.display} was aborted (${reason}): the work item must run again`, { cause: request.signal.reason }));
    };
    const timer = setTimeout(() => fail(new RequestTimeoutError(request.timeoutMs)), waitMs);
    request.signal.addEventListener('abort', onAbort, { once: true });

    const { url } = request;
    connections.dispatch({ origin: url.origin, path: `${url.pathname}${url.search}`, method: request.method ?? 'POST', headers: request.headers, body: request.body }, {
      onRequestStart(started) {
        controller = started;
        if (settled) started.abort(new Error('the exchange already ended'));
      },
      onResponseStart(_, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        if (Number(responseHeaders['content-length']) > request.maxResponseBytes) fail(new ResponseTooLargeError(request.maxResponseBytes, status));
      },
      onResponseData(_, chunk) {
        size += chunk.length;
        if (size > request.maxResponseBytes) fail(new ResponseTooLargeError(request.maxResponseBytes, status));
        else chunks.push(chunk);
      },
      onResponseEnd() {
        if (settle()) resolve({ status, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
      },
      onResponseError(_, error) {
        const closedEarly = status === 0 && CLOSED_CODES.has((error as NodeJS.ErrnoException).code ?? '');
        fail(closedEarly ? new ClosedBeforeResponseError(error.message, { cause: error }) : error);
      },
    });
  });
}
