import http from 'node:http';
import https from 'node:https';
import { PlatformError, errorMessage } from '../../core/errors';
import { stepInputChunks } from '../../core/run/step-input-json';
import type { Driver, StepOutcome, StepRequest } from '../../core/ports/driver';
import { AddressRefusedError, guardedLookup, isLinkLocalOrMetadata, literalAddress } from './address-policy';
import { type Agents, post } from './exchange';
import { type HttpDriverOptions, resolveHttpDriverOptions } from './options';
import { type Target, errorOutcome, refusedOutcome, responseOutcome } from './outcome';
import { signBody } from './signature';

// Idle kept-alive sockets close before Node servers' default keepAliveTimeout (5 s) closes them
// under us; a socket a server closed anyway is retried once on a fresh one (see exchange.ts).
const IDLE_SOCKET_MS = 4000;

/** The HTTP driver, plus a way to close its idle connections. */
export interface HttpDriver extends Driver {
  readonly type: 'http';
  /** Closes pooled connections; in-flight requests fail. */
  close(): void;
}

/** Runs `runtime.type: http` steps: POSTs the step input as JSON and turns the response into the outcome (SPEC section 4). */
export function createHttpDriver(options: HttpDriverOptions = {}): HttpDriver {
  const settings = resolveHttpDriverOptions(options);
  const agentOptions = {
    keepAlive: true,
    scheduling: 'lifo' as const,
    timeout: IDLE_SOCKET_MS,
    lookup: guardedLookup(settings.resolve, settings.allowLinkLocal),
  };
  const agents: Agents = { http: new http.Agent(agentOptions), https: new https.Agent(agentOptions) };

  return {
    type: 'http',
    async run(request: StepRequest): Promise<StepOutcome> {
      const { runtime, signal } = request;
      if (runtime.type !== 'http') throw new PlatformError(`the HTTP driver was handed a ${runtime.type} step`);
      if (signal.aborted) throw new PlatformError(`HTTP step not started: aborted (${errorMessage(signal.reason)})`, { cause: signal.reason });
      const target = targetOf(runtime.url);
      if (typeof target === 'string') return { kind: 'failure', retryable: false, error: target };
      const literal = literalAddress(target.url.hostname);
      // Literal IPs skip `lookup`, so the policy is applied here for them.
      if (literal && !settings.allowLinkLocal && isLinkLocalOrMetadata(literal)) return refusedOutcome(new AddressRefusedError(literal), target);

      const body = stepInputChunks(request.input, request.openStepsJson);
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/json',
        'content-length': byteLength(body),
        'user-agent': settings.userAgent,
      };
      if (settings.signingKey) headers['x-inngest-signature'] = signBody(body, settings.signingKey, settings.nowSeconds());
      try {
        const exchange = await post(agents, {
          url: target.url, display: target.display, body, headers, signal,
          timeoutMs: request.timeoutMs, maxResponseBytes: settings.maxResponseBytes,
        });
        return responseOutcome(exchange, target);
      } catch (error) {
        if (error instanceof PlatformError) throw error;
        return errorOutcome(error, target);
      }
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

function byteLength(chunks: Buffer[]): number {
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  return length;
}

/** The parsed URL, or why it cannot be called. */
function targetOf(raw: string): Target | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `step URL ${JSON.stringify(raw)} is not a valid URL: use http://... or https://...`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `step URL ${url.origin}${url.pathname} is not http or https`;
  return { url, display: `${url.origin}${url.pathname}` };
}
