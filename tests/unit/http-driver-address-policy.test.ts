import type { LookupAddress } from 'node:dns';
import { AddressRefusedError, guardedLookup, isLinkLocalOrMetadata, literalAddress } from '../../adapters/http-driver/address-policy';

type LookupResult = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookupOnce(lookup: ReturnType<typeof guardedLookup>, hostname: string, all: boolean): Promise<LookupResult> {
  return new Promise((resolve) => lookup(hostname, { all }, (error, address, family) => resolve({ error, address, family })));
}

describe('HTTP driver address policy', () => {
  it.each([
    '169.254.169.254', '169.254.170.2', '169.254.0.1', '169.254.255.255',
    'fe80::1', 'febf:ffff::1', 'fd00:ec2::254', 'fd00:ec2:0:0:0:0:0:254',
    '::ffff:169.254.169.254', '::ffff:a9fe:a9fe', '::ffff:a9fe:aa02', '::a9fe:a9fe', '64:ff9b::a9fe:a9fe',
  ])('classifies %s as link-local or metadata', (address) => {
    // Act
    const refused = isLinkLocalOrMetadata(address);
    // Assess
    expect(refused).toBe(true);
  });

  it.each([
    '127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.253.255.255', '169.255.0.0',
    'fec0::1', 'fd00:ec2::253', 'fd00::1', '2600:1f18::1', '8.8.8.8', 'not-an-address', 'metadata.google.internal',
  ])('lets %s through', (address) => {
    // Act
    const refused = isLinkLocalOrMetadata(address);
    // Assess
    expect(refused).toBe(false);
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
