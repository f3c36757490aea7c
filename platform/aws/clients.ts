import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient } from '../../adapters/sqs';
import type { Settings } from '../settings';

/** The stage's SQS client: AWS's regional endpoint, or SQS_ENDPOINT when set (a local server). */
export function sqsClientFor(settings: Pick<Settings, 'AWS_REGION' | 'SQS_ENDPOINT'>): SQSClient {
  return createSqsClient({ region: settings.AWS_REGION, ...(settings.SQS_ENDPOINT ? { endpoint: settings.SQS_ENDPOINT } : {}) });
}

/** The auto-scaling client an executor completes its lifecycle hook with. */
export function autoScalingClientFor(settings: Pick<Settings, 'AWS_REGION'>): AutoScalingClient {
  return new AutoScalingClient({ region: settings.AWS_REGION });
}
