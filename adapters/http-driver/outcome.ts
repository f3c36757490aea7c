import { formatDuration } from '../../core/duration';
import { errorMessage } from '../../core/errors';
import { MAX_NESTING_DEPTH, nestedDeeperThan } from '../../core/nesting';
import type { StepOutcome } from '../../core/ports/driver';
import { AddressRefusedError } from './address-policy';
import { type Exchange, RequestTimeoutError, ResponseTooLargeError } from './exchange';

/** Where a step's request goes, and how messages show it. */
export interface Target {
  url: URL;
  /** Origin and path only: credentials and query strings may hold secrets. */
  display: string;
}

const EXCERPT_CHARS = 200;

/** The body as JSON when it parses, else as text; an empty body is null. */
export function parseBody(body: Buffer): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** How a response ends the step: 2xx succeeds, 5xx may be retried, anything else is final. */
export function responseOutcome(exchange: Exchange, target: Target): StepOutcome {
  const { status } = exchange;
  const body = parseBody(exchange.body);
  // No store could keep (or a later step read) an output nested this deep: it never becomes one.
  if (nestedDeeperThan(body, MAX_NESTING_DEPTH)) {
    return { kind: 'failure', retryable: false, error: `response body from ${target.display} (HTTP ${status}) nests deeper than ${MAX_NESTING_DEPTH} levels, the cap for step outputs: return a flatter body` };
  }
  const output = { status, body };
  if (status >= 200 && status < 300) return { kind: 'success', output };
  const noRetry = String(exchange.headers['x-inngest-no-retry'] ?? '').trim().toLowerCase() === 'true';
  const excerpt = excerptOf(exchange.body);
  let error = `HTTP ${status} from ${target.display}${excerpt ? `: ${excerpt}` : ''}`;
  if (status >= 300 && status < 400) {
    const location = exchange.headers.location;
    error = `HTTP ${status} from ${target.display}: redirects are not followed${location ? ` (Location: ${location})` : ''}; point the step at the final URL`;
  }
  const retryable = status >= 500 && status < 600 && !noRetry;
  if (noRetry && status >= 500) error += ' (X-Inngest-No-Retry: true, not retried)';
  return { kind: 'failure', error, retryable, output };
}

/** How a request that got no complete response ends the step. */
export function errorOutcome(error: unknown, target: Target): StepOutcome {
  if (error instanceof RequestTimeoutError) {
    return { kind: 'failure', retryable: true, error: `POST ${target.display} timed out after ${formatDuration(error.timeoutMs)}` };
  }
  if (error instanceof ResponseTooLargeError) {
    return { kind: 'failure', retryable: false, error: `response from ${target.display} (HTTP ${error.status}) is over the limit of ${formatBytes(error.limit)} (maxResponseBytes); reading stopped there` };
  }
  if (error instanceof AddressRefusedError) return refusedOutcome(error, target);
  return { kind: 'failure', retryable: true, error: `${networkProblem(error, target)} (POST ${target.display})` };
}

/** A final failure for a request the address policy stopped before it left. */
export function refusedOutcome(error: AddressRefusedError, target: Target): StepOutcome {
  return { kind: 'failure', retryable: false, error: `${error.message}; URL ${target.display}` };
}

function networkProblem(error: unknown, target: Target): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const host = target.url.host;
  switch (code) {
    case 'ECONNREFUSED': return `connection refused by ${host}`;
    case 'ECONNRESET': return `connection reset by ${host}`;
    case 'EPIPE': return `connection closed by ${host} while sending`;
    case 'UND_ERR_SOCKET': return `connection closed by ${host} before it answered`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL': return `DNS lookup of ${target.url.hostname} failed (${code})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT': return `connecting to ${host} timed out`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return `${host} is unreachable (${code})`;
    default: return `network error calling ${host}: ${errorMessage(error)}`;
  }
}

function excerptOf(body: Buffer): string {
  const text = body.subarray(0, EXCERPT_CHARS * 4).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}...` : text;
}

function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}
