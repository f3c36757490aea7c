import { PlatformError, errorMessage } from '../../core/errors';
import { stepInputBody } from '../../core/run/step-input-json';
import type { Driver, StepOutcome, StepRequest } from '../../core/ports/driver';
import { AddressRefusedError, isLinkLocalOrMetadata, literalAddress } from './address-policy';
import { createConnections } from './connections';
import { post } from './exchange';
import { type HttpDriverOptions, resolveHttpDriverOptions } from './options';
import { type Target, errorOutcome, refusedOutcome, responseOutcome } from './outcome';
import { signBody } from './signature';

/** The HTTP driver, plus a way to close its idle connections. */
export interface HttpDriver extends Driver {
  readonly type: 'http';
  /** Closes pooled connections; in-flight requests fail. */
  close(): void;
}

/** Runs `runtime.type: http` steps: POSTs the step input as JSON and turns the response into the outcome (SPEC section 4). */
export function createHttpDriver(options: HttpDriverOptions = {}): HttpDriver {
  const settings = resolveHttpDriverOptions(options);
  const connections = createConnections(settings.resolve, settings.allowLinkLocal);
  const targets = new TargetCache(settings.allowLinkLocal);

  return {
    type: 'http',
    async run(request: StepRequest): Promise<StepOutcome> {
      const { runtime, signal } = request;
      if (runtime.type !== 'http') throw new PlatformError(`the HTTP driver was handed a ${runtime.type} step`);
      if (signal.aborted) throw new PlatformError(`HTTP step not started: aborted (${errorMessage(signal.reason)})`, { cause: signal.reason });
      const target = targets.of(runtime.url);
      if (typeof target === 'string') return { kind: 'failure', retryable: false, error: target };
      if (target.refused) return refusedOutcome(target.refused, target);

      const body = stepInputBody(request.input, request.stepsJson);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': settings.userAgent,
      };
      if (settings.signingKey) headers['x-inngest-signature'] = signBody(body, settings.signingKey, settings.nowSeconds());
      try {
        const exchange = await post(connections, {
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
      void connections.destroy();
    },
  };
}

/** A step URL, parsed and judged by the address policy once. */
interface CheckedTarget extends Target {
  /** Set when the URL names a literal address the policy refuses (names are checked at connect, see guardedLookup). */
  refused?: AddressRefusedError;
}

/** Each step URL's parse and policy verdict, kept: a function's steps call the same few URLs again and again. */
class TargetCache {
  private static readonly MAX_ENTRIES = 1024;
  private readonly entries = new Map<string, CheckedTarget | string>();

  constructor(private readonly allowLinkLocal: boolean) {}

  of(raw: string): CheckedTarget | string {
    let target = this.entries.get(raw);
    if (target === undefined) {
      target = this.check(raw);
      if (this.entries.size >= TargetCache.MAX_ENTRIES) this.entries.clear();
      this.entries.set(raw, target);
    }
    return target;
  }

  private check(raw: string): CheckedTarget | string {
    const target = targetOf(raw);
    if (typeof target === 'string') return target;
    const literal = literalAddress(target.url.hostname);
    // Literal IPs skip `lookup`, so the policy is applied here for them.
    if (literal && !this.allowLinkLocal && isLinkLocalOrMetadata(literal)) return { ...target, refused: new AddressRefusedError(literal) };
    return target;
  }
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
