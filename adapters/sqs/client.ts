import { SQSClient } from '@aws-sdk/client-sqs';

export interface SqsClientOptions {
  /** An SQS-compatible endpoint (e.g. a local server). @default AWS's regional endpoint */
  endpoint?: string;
  /** @default process.env.AWS_REGION, else 'us-east-1' */
  region?: string;
  /** Tries per call; the SDK backs off on throttling, 5xx and network errors. @default 5 */
  maxAttempts?: number;
}

/** An SQS client; a local endpoint without AWS credentials in the environment gets dummy ones (it checks none). */
export function createSqsClient(options: SqsClientOptions = {}): SQSClient {
  const localWithoutCredentials = options.endpoint !== undefined && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return new SQSClient({
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? 5,
    ...(localWithoutCredentials ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
}
