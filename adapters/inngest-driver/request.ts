import canonicalize from 'canonicalize';
import type { SdkRequestBody } from '../../core/ports/sdk-driver';
import { sdkSignature } from './signing';

/** The URL of one call: the registered step URL with `stepId` set (`step` for a call that runs the function until it finds steps). */
export function callUrl(registered: string, stepId: string | null): URL {
  const url = new URL(registered);
  url.searchParams.set('stepId', stepId ?? 'step');
  return url;
}

/** The body in RFC 8785 canonical form, which is what the SDK re-serialises to check the signature. */
export function canonicalBody(body: SdkRequestBody | Record<string, unknown>): string {
  const text = canonicalize(body);
  if (text === undefined) throw new Error('the SDK call body has no JSON form');
  return text;
}

/** The headers of a call to an SDK app. */
export function sdkHeaders(body: string, signingKey: string, nowSeconds: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'stepstack-inngest-driver',
    ...(signingKey ? { 'x-inngest-signature': sdkSignature(body, signingKey, nowSeconds) } : {}),
    ...extra,
  };
}
