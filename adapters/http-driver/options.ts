import { type Resolver, systemResolver } from './address-policy';

export interface HttpDriverOptions {
  /** Key that signs each request in `X-Inngest-Signature`. @default "" (requests are unsigned) */
  signingKey?: string;
  /** Largest response body read; a bigger one fails the step for good. @default 4194304 (4 MiB) */
  maxResponseBytes?: number;
  /** Allow link-local and instance-metadata addresses (169.254.0.0/16, fe80::/10, fd00:ec2::254). @default false */
  allowLinkLocal?: boolean;
  /** `User-Agent` of every request. @default "stepstack-http-driver" */
  userAgent?: string;
  /** Resolves hostnames before connecting; tests inject one. @default the system resolver (`dns.lookup`) */
  resolve?: Resolver;
  /** Seconds since the epoch, for signatures. @default Math.floor(Date.now() / 1000) */
  nowSeconds?: () => number;
}

export type ResolvedHttpDriverOptions = Required<HttpDriverOptions>;

const KNOWN_KEYS = new Set<string>(['signingKey', 'maxResponseBytes', 'allowLinkLocal', 'userAgent', 'resolve', 'nowSeconds']);

/** Applies the defaults; throws naming the fix on an unknown key or a bad value. */
export function resolveHttpDriverOptions(options: HttpDriverOptions): ResolvedHttpDriverOptions {
  const unknown = Object.keys(options).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length > 0) throw new Error(`unknown HTTP driver option ${unknown.join(', ')}: known options are ${[...KNOWN_KEYS].join(', ')}`);
  const maxResponseBytes = options.maxResponseBytes ?? 4 * 1024 * 1024;
  if (!Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new Error(`maxResponseBytes must be a positive whole number of bytes, got ${String(maxResponseBytes)}`);
  }
  return {
    signingKey: options.signingKey ?? '',
    maxResponseBytes,
    allowLinkLocal: options.allowLinkLocal ?? false,
    userAgent: options.userAgent ?? 'stepstack-http-driver',
    resolve: options.resolve ?? systemResolver,
    nowSeconds: options.nowSeconds ?? (() => Math.floor(Date.now() / 1000)),
  };
}
