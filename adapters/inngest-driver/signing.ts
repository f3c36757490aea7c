import { createHmac } from 'node:crypto';

const PREFIX = /^signkey-\w+-/;

/** The key that HMACs requests: the signing key without its `signkey-<env>-` prefix (as the SDK's `removeSigningKeyPrefix`). */
export const hmacKey = (signingKey: string): string => signingKey.replace(PREFIX, '');

/** `X-Inngest-Signature` of a body as the SDK checks it: `t=<unix seconds>&s=<hex HMAC-SHA256(key, body + t)>`. */
export function sdkSignature(body: string, signingKey: string, unixSeconds: number): string {
  const digest = createHmac('sha256', hmacKey(signingKey)).update(body).update(String(unixSeconds)).digest('hex');
  return `t=${unixSeconds}&s=${digest}`;
}
