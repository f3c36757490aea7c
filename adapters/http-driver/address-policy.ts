import type { LookupAddress, LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { StepstackError } from '../../core/errors';

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to its addresses (the system resolver by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

// Link-local ranges hold the cloud's instance metadata and credentials endpoints (EC2 IMDS at
// 169.254.169.254 and fd00:ec2::254, ECS task metadata at 169.254.170.2). BlockList also matches the
// IPv4-mapped forms (::ffff:169.254.x.y); the IPv4-compatible and NAT64 forms are added by hand.
const refused = new BlockList();
refused.addSubnet('169.254.0.0', 16, 'ipv4');
refused.addSubnet('fe80::', 10, 'ipv6');
refused.addAddress('fd00:ec2::254', 'ipv6');
refused.addSubnet('::a9fe:0', 112, 'ipv6');
refused.addSubnet('64:ff9b::a9fe:0', 112, 'ipv6');

/** True for link-local and instance-metadata addresses, in any IPv4 or IPv6 spelling. */
export function isLinkLocalOrMetadata(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return refused.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** The IP address a URL's hostname spells, or undefined when it is a name to resolve. */
export function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? undefined : bare;
}

/** A connection to an address the driver's policy forbids: a final failure of the step. */
export class AddressRefusedError extends StepstackError {
  constructor(readonly address: string) {
    super(`refused to connect to ${address}: link-local and instance-metadata addresses are blocked (the HTTP driver's allowLinkLocal option allows them)`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for sockets that resolves with `resolve` and refuses forbidden addresses before any
 * connect, so a name that resolves (or later re-resolves) to the metadata endpoint is caught too.
 */
export function guardedLookup(resolve: Resolver, allowLinkLocal: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then((addresses) => {
      const forbidden = allowLinkLocal ? undefined : addresses.find((entry) => isLinkLocalOrMetadata(entry.address));
      if (forbidden) return callback(new AddressRefusedError(forbidden.address), '');
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND', hostname }), '');
      if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    }, (error: NodeJS.ErrnoException) => callback(error, ''));
  };
}
