import type { GetAuthorizationTokenCommand, GetAuthorizationTokenCommandOutput } from '@aws-sdk/client-ecr';
import { createEcrCredentials, isEcrImage, type EcrTokenClient } from '../../adapters/docker/ecr-auth';

// AWS is unreachable from this machine: ECR is replaced by a fake client that answers as
// GetAuthorizationToken does (a base64 `AWS:<password>` token with its expiry).
function fakeEcr(now: () => number) {
  const calls: string[] = [];
  let issued = 0;
  const clientFor = (region: string): EcrTokenClient => ({
    async send(_command: GetAuthorizationTokenCommand): Promise<GetAuthorizationTokenCommandOutput> {
      issued += 1;
      calls.push(region);
      return {
        $metadata: {},
        authorizationData: [{
          authorizationToken: Buffer.from(`AWS:token-${issued}`).toString('base64'),
          expiresAt: new Date(now() + 12 * 3_600_000),
        }],
      };
    },
  });
  return { clientFor, calls };
}

const IMAGE = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/mailer:1.2';

describe('ECR credentials', () => {
  it('recognises ECR images and their region', () => {
    expect(isEcrImage(IMAGE)).toEqual({ host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com', region: 'eu-west-1' });
    expect(isEcrImage('docker.io/library/busybox:1')).toBeUndefined();
    expect(isEcrImage('busybox')).toBeUndefined();
  });

  it('decodes the token into username, password and registry', async () => {
    // Prepare
    const clock = 1_000_000;
    const ecr = fakeEcr(() => clock);
    const credentialsFor = createEcrCredentials({ clientFor: ecr.clientFor, now: () => clock });
    // Act
    const credentials = await credentialsFor(IMAGE);
    // Assess
    expect(credentials).toEqual({ username: 'AWS', password: 'token-1', serveraddress: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com' });
    expect(ecr.calls).toEqual(['eu-west-1']);
  });

  it('caches the token, and fetches a new one before it expires', async () => {
    // Prepare
    let clock = 1_000_000;
    const ecr = fakeEcr(() => clock);
    const credentialsFor = createEcrCredentials({ clientFor: ecr.clientFor, now: () => clock, refreshBeforeMs: 15 * 60_000 });
    // Act
    const first = await credentialsFor(IMAGE);
    clock += 11 * 3_600_000; // 1 h left: still good
    const cached = await credentialsFor(`${IMAGE.split(':')[0]}:1.3`);
    clock += 50 * 60_000; // 10 min left: inside the refresh margin
    const refreshed = await credentialsFor(IMAGE);
    // Assess
    expect(first?.password).toBe('token-1');
    expect(cached?.password).toBe('token-1');
    expect(refreshed?.password).toBe('token-2');
    expect(ecr.calls).toHaveLength(2);
  });

  it('shares one request between concurrent pulls', async () => {
    const ecr = fakeEcr(Date.now);
    const credentialsFor = createEcrCredentials({ clientFor: ecr.clientFor });
    const all = await Promise.all([credentialsFor(IMAGE), credentialsFor(IMAGE), credentialsFor(IMAGE)]);
    expect(all.map((credentials) => credentials?.password)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(ecr.calls).toHaveLength(1);
  });

  it('asks again after a failed request', async () => {
    // Prepare
    let failNext = true;
    const ecr = fakeEcr(Date.now);
    const credentialsFor = createEcrCredentials({
      clientFor: (region) => ({
        send: (command) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('ExpiredTokenException'));
          }
          return ecr.clientFor(region).send(command);
        },
      }),
    });
    // Act
    const first = credentialsFor(IMAGE);
    // Assess
    await expect(first).rejects.toThrow('ExpiredTokenException');
    await expect(credentialsFor(IMAGE)).resolves.toMatchObject({ username: 'AWS' });
  });

  it('hands other images to the fallback provider', async () => {
    const ecr = fakeEcr(Date.now);
    const credentialsFor = createEcrCredentials({
      clientFor: ecr.clientFor,
      fallback: async (image) => (image.startsWith('registry.example.com/') ? { username: 'u', password: 'p', serveraddress: 'registry.example.com' } : undefined),
    });
    expect(await credentialsFor('registry.example.com/app:1')).toMatchObject({ username: 'u' });
    expect(await credentialsFor('busybox:1')).toBeUndefined();
    expect(ecr.calls).toHaveLength(0);
  });
});
