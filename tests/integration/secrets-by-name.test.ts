import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withSecrets } from '../../platform/aws/secrets';

/**
 * Secrets read by name at start, through the real AWS SDK clients (Powertools' Parameters) against
 * a local server speaking SSM's and Secrets Manager's JSON protocol (AWS_ENDPOINT_URL_SSM,
 * AWS_ENDPOINT_URL_SECRETS_MANAGER): values go to their settings, reads are cached, failures name the
 * variable and the fix and never the value.
 */
interface Call { target: string; body: Record<string, unknown> }

const PARAMETERS: Record<string, string> = { '/stepstack/t/event-keys': 'key-one,key-two', '/stepstack/t/api-key': 'api-secret' };
const SECRETS: Record<string, string> = { 'arn:aws:secretsmanager:us-east-1:000000000000:secret:redis': '{"token":"redis-token"}', 'arn:bad': '{"other":1}' };

let server: Server;
let calls: Call[];
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => { text += chunk.toString(); });
    request.on('end', () => {
      const target = String(request.headers['x-amz-target']);
      const body = JSON.parse(text) as Record<string, string>;
      calls.push({ target, body });
      const answer = (status: number, json: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
      };
      if (target === 'AmazonSSM.GetParameter') {
        const value = PARAMETERS[body.Name!];
        if (value === undefined) return answer(400, { __type: 'ParameterNotFound', message: 'not found' });
        return answer(200, { Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } });
      }
      if (target === 'secretsmanager.GetSecretValue') {
        const value = SECRETS[body.SecretId!];
        if (value === undefined) return answer(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
        return answer(200, { ARN: body.SecretId, Name: 'redis', SecretString: value });
      }
      return answer(400, { __type: 'UnknownOperationException' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  Object.assign(process.env, { AWS_ENDPOINT_URL_SSM: url, AWS_ENDPOINT_URL_SECRETS_MANAGER: url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' });
});

beforeEach(() => {
  calls = [];
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

describe('withSecrets', () => {
  it('reads each named secret into its setting, SSM SecureStrings decrypted, the Redis token out of its JSON', async () => {
    // Act
    const env = await withSecrets({
      EVENT_KEYS_PARAMETER: '/stepstack/t/event-keys', API_KEY_PARAMETER: '/stepstack/t/api-key',
      REDIS_AUTH_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:redis', AWS_REGION: 'us-east-1',
    });

    // Assess
    expect(env).toEqual(expect.objectContaining({ EVENT_KEYS: 'key-one,key-two', API_KEY: 'api-secret', REDIS_AUTH_TOKEN: 'redis-token' }));
    expect(calls.filter((call) => call.target === 'AmazonSSM.GetParameter').map((call) => call.body.WithDecryption)).toEqual([true, true]);
  });

  it('keeps a value given directly, and asks AWS nothing when no secret is named', async () => {
    // Act
    const env = await withSecrets({ EVENT_KEYS: 'local', EVENT_KEYS_PARAMETER: '/stepstack/t/event-keys', REDIS_URL: 'redis://127.0.0.1:6379' });

    // Assess
    expect(env.EVENT_KEYS).toBe('local');
    expect(calls).toEqual([]);
  });

  it('caches what it read: a second start in the same process does not ask AWS again', async () => {
    // Prepare
    const named = { SIGNING_KEY_PARAMETER: '/stepstack/t/api-key', AWS_REGION: 'us-east-1' };
    const readers = (await import('../../platform/aws/secrets')).awsSecretReaders('us-east-1');

    // Act
    const first = await withSecrets(named, readers);
    const second = await withSecrets(named, readers);

    // Assess
    expect([first.SIGNING_KEY, second.SIGNING_KEY]).toEqual(['api-secret', 'api-secret']);
    expect(calls).toHaveLength(1);
  });

  it('names every secret it cannot read, with the fix, and no value', async () => {
    // Act
    const failure = await withSecrets({ API_KEY_PARAMETER: '/stepstack/t/missing', REDIS_AUTH_SECRET_ARN: 'arn:bad', EVENT_KEYS_PARAMETER: '/stepstack/t/event-keys' })
      .then(() => undefined, (error: { problems?: string[] }) => error.problems);

    // Assess
    expect(failure).toEqual([
      expect.stringMatching(/^API_KEY_PARAMETER: cannot read SSM parameter \/stepstack\/t\/missing \(.+\): create it \(docs\/deploy.md, "Secrets"\) and let this process's role read it$/),
      expect.stringMatching(/^REDIS_AUTH_SECRET_ARN: cannot read secret arn:bad \(the secret has no "token" string\): create it/),
    ]);
    expect(JSON.stringify(failure)).not.toContain('key-one');
  });
});
