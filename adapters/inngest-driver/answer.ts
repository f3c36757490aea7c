import type { IncomingHttpHeaders } from 'node:http';
import type { SdkAnswer, SdkError, SdkOp } from '../../core/ports/sdk-driver';

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** `Retry-After` as a time: seconds (what `RetryAfterError` sends for a duration) or an HTTP/ISO date. */
export function retryAfterAt(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return nowMs + Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date;
}

/** An error as the SDK serialised it, or one made of whatever came instead. */
export function sdkError(value: unknown, fallback: string): SdkError {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    if (typeof record.message === 'string') {
      return { ...record, name: typeof record.name === 'string' ? record.name : 'Error', message: record.message };
    }
    if (typeof record.error === 'string') return { name: 'Error', message: record.error };
  }
  if (typeof value === 'string' && value !== '') return { name: 'Error', message: value };
  return { name: 'Error', message: fallback };
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function isOp(value: unknown): value is SdkOp {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const op = value as Record<string, unknown>;
  return typeof op.op === 'string' && typeof op.id === 'string' && op.id !== '';
}

/**
 * What an SDK's answer means (its InngestCommHandler): 200 is the function's result, 206 its opcodes,
 * anything else an error, retried unless `X-Inngest-No-Retry: true` or a 4xx says otherwise. An answer
 * without `X-Inngest-Sdk` is not from an SDK (a proxy's error page, a wrong URL): it fails the attempt.
 */
export function parseAnswer(status: number, headers: IncomingHttpHeaders, body: Buffer, display: string, nowMs: number): SdkAnswer {
  const noRetryHeader = header(headers, 'x-inngest-no-retry')?.trim().toLowerCase();
  const retryAt = retryAfterAt(header(headers, 'retry-after'), nowMs);
  const timing = retryAt === undefined ? {} : { retryAfterAt: retryAt };
  if (!header(headers, 'x-inngest-sdk')) {
    return {
      kind: 'error', retryable: status >= 500 || status === 0,
      error: { name: 'NotAnSdkError', message: `HTTP ${status} from ${display} without an X-Inngest-Sdk header: not an Inngest SDK answering; point the app's URL at its serve() handler` },
    };
  }
  const parsed = parseJson(body);
  if (status === 200) {
    if (!parsed.ok) return { kind: 'error', retryable: true, error: { name: 'Error', message: `HTTP 200 from ${display} whose body is not JSON` } };
    return { kind: 'result', data: parsed.value };
  }
  if (status === 206) {
    const value = parsed.ok ? parsed.value : undefined;
    const ops = Array.isArray(value) ? value : value && typeof value === 'object' ? [value] : undefined;
    if (!ops || !ops.every(isOp)) {
      return { kind: 'error', retryable: true, error: { name: 'Error', message: `HTTP 206 from ${display} whose body is not a list of opcodes ({op, id})` } };
    }
    return { kind: 'ops', ops, noRetry: noRetryHeader === 'true', ...timing };
  }
  const error = sdkError(parsed.ok ? parsed.value : body.toString('utf8').slice(0, 500), `HTTP ${status} from ${display}`);
  const retryable = noRetryHeader === 'true' ? false : noRetryHeader === 'false' ? true : status >= 500;
  return { kind: 'error', error, retryable, ...timing };
}
