import type { Settings } from '../platform/settings';

/** What a restart loses on these settings (SPEC section 5: with the in-memory defaults nothing survives one), and how to keep it. */
export function durabilityWarnings(config: Pick<Settings, 'REDIS_URL' | 'SQS_ENDPOINT'>): string[] {
  if (!config.REDIS_URL) {
    return ['state and queues are in memory: nothing this stack accepts (events, runs, functions put over the API) survives a restart; '
      + 'to keep it, set REDIS_URL (e.g. REDIS_URL=redis://127.0.0.1:6379), and SQS_ENDPOINT for the queues'];
  }
  if (!config.SQS_ENDPOINT) {
    return ['queues are in memory: events and steps not yet processed when the stack stops are lost on a restart; to keep them, set SQS_ENDPOINT'];
  }
  return [];
}
