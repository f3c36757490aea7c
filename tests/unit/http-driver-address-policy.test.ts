import type { LookupAddress } from 'node:dns';
import { AddressRefusedError, guardedLookup, isLinkLocalOrMetadata, literalAddress } from '../../adapters/http-driver/address-policy';

type LookupResult = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookupOnce(lookup: ReturnType<typeof guardedLookup>, hostname: string, all: boolean): Promise<LookupResult> {
  return new Promise((resolve) => lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family })));
}

describe('HTTP driver address policy', () => {
  it.each([
    // IPv4 link-local, where the metadata and credentials endpoints live
    ['EC2 instance metadata', '169.254.169.254'],
    ['ECS task metadata', '169.254.170.2'],
    ['EKS Pod Identity', '169.254.170.23'],
    ['bottom of 169.254/16', '169.254.0.1'],
    ['top of 169.254/16', '169.254.255.255'],
    ['Alibaba Cloud metadata', '100.100.100.200'],
    ['Oracle Cloud legacy metadata', '192.0.0.192'],
    // IPv6 link-local
    ['IPv6 link-local', 'fe80::1'],
    ['IPv6 link-local with a zone', 'fe80::1%eth0'],
    ['top of fe80::/10', 'febf:ffff::1'],
    // AWS's fd00:ec2::/32
    ['EC2 IMDS over IPv6', 'fd00:ec2::254'],
    ['EC2 IMDS over IPv6, long form', 'fd00:ec2:0:0:0:0:0:254'],
    ['EC2 IMDS over IPv6, upper case', 'FD00:EC2::254'],
    ['EKS Pod Identity over IPv6', 'fd00:ec2::23'],
    ['Route 53 resolver over IPv6', 'fd00:ec2::253'],
    ['top of fd00:ec2::/32', 'fd00:ec2:ffff:ffff:ffff:ffff:ffff:ffff'],
    // IPv4 inside IPv6
    ['IPv4-mapped, dotted', '::ffff:169.254.169.254'],
    ['IPv4-mapped, hex', '::ffff:a9fe:a9fe'],
    ['IPv4-mapped ECS credentials', '::ffff:a9fe:aa02'],
    ['IPv4-mapped Alibaba metadata', '::ffff:100.100.100.200'],
    ['IPv4-translated (SIIT), dotted', '::ffff:0:169.254.169.254'],
    ['IPv4-translated (SIIT), hex', '::ffff:0:a9fe:a9fe'],
    ['IPv4-compatible, dotted', '::169.254.169.254'],
    ['IPv4-compatible, hex', '::a9fe:a9fe'],
    ['NAT64 well-known prefix, hex', '64:ff9b::a9fe:a9fe'],
    ['NAT64 well-known prefix, dotted', '64:ff9b::169.254.170.2'],
    ['NAT64 local-use prefix, metadata', '64:ff9b:1::a9fe:a9fe'],
    ['NAT64 local-use prefix, any address', '64:ff9b:1::a00:1'],
    ['top of 64:ff9b:1::/48', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'],
    ['6to4 of 169.254.169.254', '2002:a9fe:a9fe::1'],
    ['Teredo with client 169.254.169.254', '2001:0:4136:e378:8000:63bf:5601:5601'],
  ])('refuses %s (%s)', (_form, address) => {
    // Act
    const refused = isLinkLocalOrMetadata(address);
    // Assess
    expect(refused).toBe(true);
  });

  it.each([
    '127.0.0.1', '::1', '::', '::ffff:127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.253.255.255', '169.255.0.0',
    '100.100.100.201', '192.0.0.193', 'fec0::1', 'fd00::1', 'fd00:ec1:ffff::1', 'fd00:ec3::1', 'fd01:ec2::254',
    '64:ff9b::a00:1', '64:ff9b::808:808', '64:ff9b:2::1', '64:ff9b:0:1::a9fe:a9fe', '2002:a00:1::1', '2001:0:4136:e378:8000:63bf:f5ff:fffe',
    '2600:1f18::1', '8.8.8.8', 'not-an-address', 'metadata.google.internal',
  ])('lets %s through', (address) => {
    // Act
    const refused = isLinkLocalOrMetadata(address);
    // Assess
    expect(refused).toBe(false);
  });

  it.each([
    'http://0xa9fea9fe/', 'http://2852039166/', 'http://0251.0376.0251.0376/', 'http://169.254.43518/', 'http://169.16689662/',
    'http://[::ffff:169.254.169.254]/', 'http://[fd00:ec2:0::23]/', 'http://[64:ff9b::169.254.169.254]/', 'http://[64:FF9B:1::1]/',
  ])('refuses the URL spelling %s once its hostname is read as an address', (url) => {
    // Act
    const literal = literalAddress(new URL(url).hostname);
    // Assess
    expect(literal).toBeDefined();
    expect(isLinkLocalOrMetadata(literal as string)).toBe(true);
  });

  it('reads IP literals out of URL hostnames, brackets removed', () => {
    // Prepare
    const hostnames = ['[fe80::1]', '169.254.169.254', 'example.com', new URL('http://0xa9fea9fe/').hostname];
    // Act
    const literals = hostnames.map(literalAddress);
    // Assess
    expect(literals).toEqual(['fe80::1', '169.254.169.254', undefined, '169.254.169.254']);
  });

  it('refuses a name that resolves to the metadata address, naming the address and the setting', async () => {
    // Prepare
    const lookup = guardedLookup(async () => [{ address: '10.0.0.1', family: 4 }, { address: '169.254.169.254', family: 4 }], false);
    // Act
    const result = await lookupOnce(lookup, 'rebind.test', true);
    // Assess
    expect(result.error).toBeInstanceOf(AddressRefusedError);
    expect(result.error?.message).toContain('169.254.169.254');
    expect(result.error?.message).toContain('allowLinkLocal');
  });

  it('hands the metadata address to the socket when allowLinkLocal is set', async () => {
    // Prepare
    const lookup = guardedLookup(async () => [{ address: '169.254.169.254', family: 4 }], true);
    // Act
    const all = await lookupOnce(lookup, 'metadata.test', true);
    const one = await lookupOnce(lookup, 'metadata.test', false);
    // Assess
    expect(all).toEqual({ error: null, address: [{ address: '169.254.169.254', family: 4 }], family: undefined });
    expect(one).toEqual({ error: null, address: '169.254.169.254', family: 4 });
  });

  it('passes resolver failures and empty answers on as DNS errors', async () => {
    // Prepare
    const failing = guardedLookup(async () => { throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.test'), { code: 'ENOTFOUND' }); }, false);
    const empty = guardedLookup(async () => [], false);
    // Act
    const failed = await lookupOnce(failing, 'nowhere.test', true);
    const none = await lookupOnce(empty, 'empty.test', true);
    // Assess
    expect(failed.error?.code).toBe('ENOTFOUND');
    expect(none.error?.code).toBe('ENOTFOUND');
  });
});
