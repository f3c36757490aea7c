export { createSqsClient, type SqsClientOptions } from './client';
export { ensureQueue, type EnsureQueueOptions } from './ensure-queue';
export { QueueSendError, type FailedEntry } from './errors';
export { createSqsQueue, type SqsQueueOptions } from './queue';
