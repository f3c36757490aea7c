import { PlatformError, errorMessage } from '../../core/errors';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** The daemon's HTTP status on an error from dockerode, when it answered at all. */
export function daemonStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** True when the daemon did not answer (no socket, refused, reset): a fault of the platform. */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return daemonStatus(error) === undefined && typeof code === 'string' && UNREACHABLE.has(code);
}

/** A PlatformError that says which daemon failed doing what. */
export function daemonFault(socketPath: string, doing: string, error: unknown): PlatformError {
  const what = isUnreachable(error) ? 'does not answer' : 'failed';
  return new PlatformError(`Docker daemon at ${socketPath} ${what} while ${doing}: ${errorMessage(error).trim()}`, { cause: error });
}
