import { PlatformError, errorMessage } from '../../core/errors';
import type { SdkAnswer, SdkCallRequest, SdkDriver, SdkSyncAnswer } from '../../core/ports/sdk-driver';
import { AddressRefusedError, isLinkLocalOrMetadata, literalAddress, systemResolver } from '../http-driver/address-policy';
import { createConnections } from '../http-driver/connections';
import { type Exchange, RequestTimeoutError, ResponseTooLargeError, post } from '../http-driver/exchange';
import { parseAnswer } from './answer';
import type { InngestDriverOptions } from './options';
import { callUrl, canonicalBody, sdkHeaders } from './request';

/** The SDK driver, plus a way to close its idle connections. */
export interface InngestDriver extends SdkDriver {
  close(): void;
}

/** Calls apps written with the Inngest SDK over their `serve()` URL, signed as the SDK checks (SPEC section 4). */
export function createInngestDriver(options: InngestDriverOptions = {}): InngestDriver {
  const signingKey = options.signingKey ?? '';
  const maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  const allowLinkLocal = options.allowLinkLocal ?? false;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const nowMs = options.nowMs ?? Date.now;
  const connections = createConnections(options.resolve ?? systemResolver, allowLinkLocal);

  /** One exchange with the app; a network failure is returned as an Error, an abort thrown. */
  async function exchange(url: URL, method: 'POST' | 'PUT', body: string, headers: Record<string, string>, timeoutMs: number, signal: AbortSignal): Promise<Exchange | Error> {
    const literal = literalAddress(url.hostname);
    if (literal && !allowLinkLocal && isLinkLocalOrMetadata(literal)) return new AddressRefusedError(literal);
    try {
      return await post(connections, { url, method, display: display(url), body, headers, timeoutMs, signal, maxResponseBytes });
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  return {
    async call(request: SdkCallRequest): Promise<SdkAnswer> {
      if (request.signal.aborted) throw new PlatformError(`SDK call not started: aborted (${errorMessage(request.signal.reason)})`, { cause: request.signal.reason });
      let url: URL;
      try {
        url = callUrl(request.url, request.stepId);
      } catch {
        return { kind: 'error', retryable: false, error: { name: 'Error', message: `SDK URL ${JSON.stringify(request.url)} is not a valid URL: sync the app again with its serve() URL` } };
      }
      const body = canonicalBody(request.body);
      const answered = await exchange(url, 'POST', body, sdkHeaders(body, signingKey, nowSeconds()), request.timeoutMs, request.signal);
      if (answered instanceof Error) return { kind: 'error', retryable: isRetryable(answered), error: { name: 'Error', message: `${callProblem(answered, request.timeoutMs)} (POST ${display(url)})` } };
      return parseAnswer(answered.status, answered.headers, answered.body, display(url), nowMs());
    },

    async sync(target: string, syncOptions: { signal?: AbortSignal }): Promise<SdkSyncAnswer> {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        return { kind: 'failed', error: `url: ${JSON.stringify(target)} is not a URL: give the app's serve() URL, e.g. http://127.0.0.1:3000/api/inngest` };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'failed', error: `url: ${url.protocol} is not http or https` };
      const body = canonicalBody({ url: url.href });
      const headers = sdkHeaders(body, signingKey, nowSeconds(), { 'x-inngest-sync-kind': 'in_band' });
      const answered = await exchange(url, 'PUT', body, headers, options.syncTimeoutMs ?? 30_000, syncOptions.signal ?? new AbortController().signal);
      if (answered instanceof Error) return { kind: 'failed', error: `the app at ${display(url)} did not answer: ${callProblem(answered, options.syncTimeoutMs ?? 30_000)}` };
      const text = answered.body.toString('utf8');
      let json: unknown;
      try {
        json = text === '' ? null : JSON.parse(text);
      } catch {
        return { kind: 'failed', error: `the app at ${display(url)} answered HTTP ${answered.status} with a body that is not JSON: is it an Inngest serve() URL?` };
      }
      const kind = String(answered.headers['x-inngest-sync-kind'] ?? '');
      if (answered.status === 200 && kind === 'in_band') return { kind: 'in_band', config: json };
      const message = json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string' ? (json as { message: string }).message : '';
      if (answered.status === 401) return { kind: 'failed', error: `the app at ${display(url)} refused the sync (HTTP 401): its INNGEST_SIGNING_KEY differs from Stepstack's SIGNING_KEY` };
      if (!answered.headers['x-inngest-sdk']) return { kind: 'failed', error: `HTTP ${answered.status} from ${display(url)} without an X-Inngest-Sdk header: not an Inngest serve() URL` };
      return { kind: 'out_of_band', status: answered.status, message };
    },

    close() {
      void connections.destroy();
    },
  };
}

/** Origin and path only: queries and credentials may hold secrets. */
const display = (url: URL): string => `${url.origin}${url.pathname}`;

const isRetryable = (error: Error): boolean => !(error instanceof ResponseTooLargeError || error instanceof AddressRefusedError);

function callProblem(error: Error, timeoutMs: number): string {
  if (error instanceof RequestTimeoutError) return `timed out after ${timeoutMs}ms`;
  if (error instanceof ResponseTooLargeError) return `answer over ${error.limit} bytes (maxResponseBytes)`;
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
