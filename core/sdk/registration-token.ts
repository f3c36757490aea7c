import { createHash, timingSafeEqual } from 'node:crypto';

const PREFIX = /^signkey-\w+-/;

/**
 * The bearer token an SDK registers with (its `hashSigningKey`): the key's `signkey-<env>-` prefix,
 * then the SHA-256 of the hex-decoded rest. Undefined for a key that is not hex: no SDK setup has one.
 */
export function registrationToken(signingKey: string): string | undefined {
  const prefix = PREFIX.exec(signingKey)?.[0] ?? '';
  const key = signingKey.slice(prefix.length);
  if (key === '' || !/^([0-9a-f]{2})+$/i.test(key)) return undefined;
  return `${prefix}${createHash('sha256').update(Buffer.from(key, 'hex')).digest('hex')}`;
}

/** Whether `authorization` (the header) carries the registration token of `signingKey`; compared in constant time. */
export function registrationAllowed(authorization: string | undefined, signingKey: string): boolean {
  const expected = registrationToken(signingKey);
  if (!expected || !authorization?.startsWith('Bearer ')) return false;
  const given = Buffer.from(authorization.slice('Bearer '.length).trim());
  const wanted = Buffer.from(expected);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
