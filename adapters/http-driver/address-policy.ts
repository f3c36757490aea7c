import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { StepstackError } from '../../core/errors';

/** One address a hostname resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a hostname to its addresses (the system resolver by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (`dns.lookup`, as sockets use by default), every address of the name. */
export const systemResolver: Resolver = async (hostname) => {
  const addresses = await lookup(hostname, { all: true });
  return addresses.map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));
};

// Link-local ranges hold the cloud's instance metadata and credentials endpoints (EC2 IMDS at
// 169.254.169.254 and fd00:ec2::254, ECS task metadata at 169.254.170.2, EKS Pod Identity at
// 169.254.170.23 and fd00:ec2::23). AWS keeps all of fd00:ec2::/32 for such endpoints, so all of it
// is refused. The other clouds' metadata addresses outside 169.254/16 are refused too.
const refusedV4 = new BlockList();
refusedV4.addSubnet('169.254.0.0', 16, 'ipv4');
refusedV4.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
refusedV4.addAddress('192.0.0.192', 'ipv4'); // Oracle Cloud metadata (legacy)

const refusedV6 = new BlockList();
refusedV6.addSubnet('fe80::', 10, 'ipv6');
refusedV6.addSubnet('fd00:ec2::', 32, 'ipv6');
// NAT64 local-use prefix (RFC 8215): whatever a site translates through it, including metadata.
refusedV6.addSubnet('64:ff9b:1::', 48, 'ipv6');

/**
 * IPv6 forms that carry an IPv4 address a router or the host may turn back into IPv4: mapped
 * (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d), compatible (::a.b.c.d), NAT64 well-known prefix
 * (64:ff9b::a.b.c.d), 6to4 (2002:AABB:CCDD::) and Teredo (2001:0::, client address inverted).
 */
function embeddedIpv4(words: number[]): number | undefined {
  const at = (index: number): number => words[index] as number;
  const zeroUpTo = (end: number): boolean => words.slice(0, end).every((word) => word === 0);
  const last32 = ((at(6) << 16) | at(7)) >>> 0;
  if (zeroUpTo(5) && at(5) === 0xffff) return last32;
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) return last32;
  if (zeroUpTo(6) && last32 > 1) return last32; // not :: or ::1
  if (at(0) === 0x64 && at(1) === 0xff9b && words.slice(2, 6).every((word) => word === 0)) return last32;
  if (at(0) === 0x2002) return ((at(1) << 16) | at(2)) >>> 0;
  if (at(0) === 0x2001 && at(1) === 0) return (~last32) >>> 0;
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (valid per `isIP`), a dotted IPv4 tail included. */
function ipv6Words(address: string): number[] {
  let text = address.split('%')[0] as string;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function ipv4Text(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** True for link-local and instance-metadata addresses, in any IPv4 or IPv6 spelling. */
export function isLinkLocalOrMetadata(address: string): boolean {
  const family = isIP(address.split('%')[0] as string);
  if (family === 4) return refusedV4.check(address, 'ipv4');
  if (family !== 6) return false;
  const bare = address.split('%')[0] as string;
  if (refusedV6.check(bare, 'ipv6')) return true;
  const embedded = embeddedIpv4(ipv6Words(bare));
  return embedded !== undefined && refusedV4.check(ipv4Text(embedded), 'ipv4');
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
