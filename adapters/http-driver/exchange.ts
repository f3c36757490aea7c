import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';
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
  /** The body, whole or in pieces written one after another (one system call when the socket is ready). */
  body: string | readonly Buffer[];
  headers: OutgoingHttpHeaders;
  timeoutMs: number;
  signal: AbortSignal;
  maxResponseBytes: number;
}

export interface Agents {
  http: http.Agent;
  https: https.Agent;
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
 * A kept-alive socket the server closed as the request went out (its idle timeout raced ours). Steps are
 * at-least-once, so one immediate try on a fresh socket is allowed rather than costing the step an attempt.
 */
class StaleSocketError extends StepstackError {}

/** Sends the body (POST unless told) and reads the whole response; throws PlatformError when the signal aborts. */
export async function post(agents: Agents, request: ExchangeRequest): Promise<Exchange> {
  const deadline = Date.now() + request.timeoutMs;
  try {
    return await postOnce(agents, request, request.timeoutMs);
  } catch (error) {
    if (!(error instanceof StaleSocketError)) throw error;
    return postOnce(agents, request, Math.max(1, deadline - Date.now()));
  }
}

function postOnce(agents: Agents, request: ExchangeRequest, waitMs: number): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const secure = request.url.protocol === 'https:';
    const req = (secure ? https : http).request(request.url, {
      method: request.method ?? 'POST',
      agent: secure ? agents.https : agents.http,
      headers: request.headers,
    });
    let settled = false;
    let responded = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      request.signal.removeEventListener('abort', onAbort);
      return true;
    };
    const fail = (error: Error): void => {
      if (!settle()) return;
      req.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      const reason = request.signal.reason === undefined ? 'aborted' : errorMessage(request.signal.reason);
      fail(new PlatformError(`HTTP step call to ${request.display} was aborted (${reason}): the work item must run again`, { cause: request.signal.reason }));
    };
    const timer = setTimeout(() => fail(new RequestTimeoutError(request.timeoutMs)), waitMs);
    request.signal.addEventListener('abort', onAbort, { once: true });

    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !responded && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      fail(stale ? new StaleSocketError(error.message, { cause: error }) : error);
    });
    req.on('response', (res) => {
      responded = true;
      const status = res.statusCode ?? 0;
      const declared = Number(res.headers['content-length']);
      if (declared > request.maxResponseBytes) return fail(new ResponseTooLargeError(request.maxResponseBytes, status));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > request.maxResponseBytes) fail(new ResponseTooLargeError(request.maxResponseBytes, status));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (settle()) resolve({ status, headers: res.headers, body: chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks, size) });
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('connection closed before the response ended'), { code: 'ECONNRESET' }));
      });
    });
    if (typeof request.body === 'string') req.end(request.body);
    else {
      for (const chunk of request.body) req.write(chunk);
      req.end();
    }
  });
}
