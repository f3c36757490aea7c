import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { errorMessage, ValidationError } from '../../core/errors';

type Env = Record<string, string | undefined>;

/**
 * On AWS the environment holds secrets by name only (resources/iam.yml allows each role exactly its
 * own): each entry says which variable names the secret, where it is kept, and which setting gets
 * its value.
 */
export const SECRETS_BY_NAME = [
  { setting: 'EVENT_KEYS', nameVariable: 'EVENT_KEYS_PARAMETER', store: 'ssm' },
  { setting: 'API_KEY', nameVariable: 'API_KEY_PARAMETER', store: 'ssm' },
  { setting: 'SIGNING_KEY', nameVariable: 'SIGNING_KEY_PARAMETER', store: 'ssm' },
  // CloudFormation generates the Redis AUTH token into a JSON secret: {"token": "..."}.
  { setting: 'REDIS_AUTH_TOKEN', nameVariable: 'REDIS_AUTH_SECRET_ARN', store: 'secretsmanager', field: 'token' },
] as const;

/** Reads a secret's value by its name. */
export interface SecretReaders {
  /** An SSM parameter (a SecureString is decrypted). */
  parameter(name: string): Promise<string>;
  /** A Secrets Manager secret's string. */
  secret(id: string): Promise<string>;
}

/** How long a read value is kept before the next read asks AWS again. @default 300 s */
const MAX_AGE_SECONDS = 300;

/**
 * Powertools' Parameters providers, which cache each value for MAX_AGE_SECONDS. The SDK's own
 * AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_SECRETS_MANAGER variables point them elsewhere (tests).
 */
export function awsSecretReaders(region: string): SecretReaders {
  const ssm = new SSMProvider({ awsSdkV3Client: new SSMClient({ region }) });
  const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({ region }) });
  return {
    parameter: async (name) => String(await ssm.get(name, { decrypt: true, maxAge: MAX_AGE_SECONDS }) ?? ''),
    secret: async (id) => String(await secrets.get(id, { maxAge: MAX_AGE_SECONDS }) ?? ''),
  };
}

/**
 * The environment with each secret named in it read into its setting (a setting given directly is
 * kept: the local stage and tests pass values). Every secret that cannot be read is named at once,
 * with the fix; a value is never echoed.
 */
export async function withSecrets(env: Env, readers?: SecretReaders): Promise<Env> {
  const wanted = SECRETS_BY_NAME.filter((entry) => env[entry.nameVariable]?.trim() && !env[entry.setting]?.trim());
  if (wanted.length === 0) return env;
  const read = readers ?? awsSecretReaders(env.AWS_REGION?.trim() || 'us-east-1');
  const problems: string[] = [];
  const values = await Promise.all(wanted.map(async (entry) => {
    const name = env[entry.nameVariable]!.trim();
    try {
      if (entry.store === 'ssm') return await read.parameter(name);
      const text = await read.secret(name);
      const value = (JSON.parse(text) as Record<string, unknown>)[entry.field];
      if (typeof value !== 'string' || value === '') throw new Error(`the secret has no "${entry.field}" string`);
      return value;
    } catch (error) {
      const where = entry.store === 'ssm' ? `SSM parameter ${name}` : `secret ${name}`;
      problems.push(`${entry.nameVariable}: cannot read ${where} (${errorMessage(error).split('\n')[0]}): create it (docs/deploy.md, "Secrets") and let this process's role read it`);
      return '';
    }
  }));
  if (problems.length > 0) throw new ValidationError(problems);
  return { ...env, ...Object.fromEntries(wanted.map((entry, index) => [entry.setting, values[index]])) };
}
