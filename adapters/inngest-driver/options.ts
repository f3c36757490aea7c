import type { Resolver } from '../http-driver';

export interface InngestDriverOptions {
  /** Key that signs each call (`SIGNING_KEY`, hex, optionally `signkey-<env>-` prefixed). @default "" (calls are unsigned) */
  signingKey?: string;
  /** Largest answer read; a bigger one fails the call for good. @default 4194304 (4 MiB) */
  maxResponseBytes?: number;
  /** Allow link-local and instance-metadata addresses. @default false */
  allowLinkLocal?: boolean;
  /** Resolves hostnames before connecting; tests inject one. @default the system resolver */
  resolve?: Resolver;
  /** Seconds since the epoch, for signatures. @default Math.floor(Date.now() / 1000) */
  nowSeconds?: () => number;
  /** Milliseconds since the epoch, for `Retry-After`. @default Date.now */
  nowMs?: () => number;
  /** How long a sync's call of the app may take. @default 30000 */
  syncTimeoutMs?: number;
}
