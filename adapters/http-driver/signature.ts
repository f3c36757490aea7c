import { createHmac, timingSafeEqual } from 'node:crypto';

const HEADER = /^t=(\d{1,15})&s=([0-9a-f]{64})$/;

/** A body as a string, or as the bytes sent. */
export type Body = string | Uint8Array;

function hmacHex(body: Body, key: string, unixSeconds: number): string {
  return createHmac('sha256', key).update(body).update(String(unixSeconds)).digest('hex');
}

/** The `X-Inngest-Signature` value for a body: `t=<unix seconds>&s=<hex HMAC-SHA256(key, body + t)>`. */
export function signBody(body: Body, key: string, unixSeconds: number): string {
  return `t=${unixSeconds}&s=${hmacHex(body, key, unixSeconds)}`;
}

export interface VerifyOptions {
  /** The verifier's current time in unix seconds. */
  nowSeconds: number;
  /** How far `t` may be from `nowSeconds`, either way, to stop replays of old requests. */
  toleranceSeconds: number;
}

/** True when `header` signs `body` with `key` at a time within the tolerance; compares in constant time. */
export function verifySignature(header: string, body: string, key: string, options: VerifyOptions): boolean {
  const match = HEADER.exec(header.trim());
  if (!match || key === '') return false;
  const unixSeconds = Number(match[1]);
  if (Math.abs(options.nowSeconds - unixSeconds) > options.toleranceSeconds) return false;
  const expected = Buffer.from(hmacHex(body, key, unixSeconds), 'hex');
  const given = Buffer.from(match[2] as string, 'hex');
  return timingSafeEqual(expected, given);
}
