import { ECRClient, GetAuthorizationTokenCommand, type GetAuthorizationTokenCommandOutput } from '@aws-sdk/client-ecr';
import type { CredentialsProvider, RegistryCredentials } from './options';

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** ECR tokens last 12 hours; assume that when the answer does not say. */
const TOKEN_LIFETIME_MS = 12 * 3_600_000;

/** The part of ECR's client that the provider uses (a fake in tests). */
export interface EcrTokenClient {
  send(command: GetAuthorizationTokenCommand): Promise<GetAuthorizationTokenCommandOutput>;
}

export interface EcrCredentialsOptions {
  /** An ECR client for a region. @default `new ECRClient({ region })` */
  clientFor?: (region: string) => EcrTokenClient;
  /** Fetch a new token this long before the cached one expires. @default 15 minutes */
  refreshBeforeMs?: number;
  /** Credentials for images outside ECR. @default anonymous */
  fallback?: CredentialsProvider;
  /** @default Date.now */
  now?: () => number;
}

/** The registry host of an ECR image, with its region; undefined for other images. */
export function isEcrImage(image: string): { host: string; region: string } | undefined {
  const slash = image.indexOf('/');
  if (slash < 0) return undefined;
  const host = image.slice(0, slash);
  const match = ECR_HOST.exec(host);
  return match ? { host, region: match[2] as string } : undefined;
}

/**
 * Pull credentials for `*.dkr.ecr.*.amazonaws.com` images from ECR's GetAuthorizationToken, cached
 * per registry and fetched again before they expire. Uses the machine's AWS credentials (the
 * executor's instance role on AWS).
 */
export function createEcrCredentials(options: EcrCredentialsOptions = {}): CredentialsProvider {
  const clientFor = options.clientFor ?? ((region: string) => new ECRClient({ region }));
  const refreshBeforeMs = options.refreshBeforeMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const clients = new Map<string, EcrTokenClient>();
  const cache = new Map<string, Promise<{ credentials: RegistryCredentials; expiresAt: number }>>();

  const fetchToken = async (host: string, region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = clientFor(region);
      clients.set(region, client);
    }
    const answer = await client.send(new GetAuthorizationTokenCommand({}));
    const data = answer.authorizationData?.[0];
    if (!data?.authorizationToken) throw new Error(`ECR in ${region} returned no authorization token for ${host}`);
    const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new Error(`ECR in ${region} returned a token that is not user:password`);
    return {
      credentials: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress: `https://${host}` },
      expiresAt: data.expiresAt ? data.expiresAt.getTime() : now() + TOKEN_LIFETIME_MS,
    };
  };

  return async (image) => {
    const ecr = isEcrImage(image);
    if (!ecr) return options.fallback?.(image);
    let entry = cache.get(ecr.host);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      if (!cached || cached.expiresAt - refreshBeforeMs <= now()) entry = undefined;
    }
    if (!entry) {
      const fetched = fetchToken(ecr.host, ecr.region);
      cache.set(ecr.host, fetched);
      // A failed fetch must not stick: the next pull asks again.
      fetched.catch(() => {
        if (cache.get(ecr.host) === fetched) cache.delete(ecr.host);
      });
      entry = fetched;
    }
    return (await entry).credentials;
  };
}
