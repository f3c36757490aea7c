import { errorMessage } from '../core/errors';
import type { Logger } from '../core/ports/logger';

/** Sync the example SDK app through the stack's own `POST /v1/apps`, as a user would; a failure is logged, not fatal. */
export async function syncExampleApp(stackUrl: string, appUrl: string, apiKey: string, logger: Logger): Promise<void> {
  try {
    const response = await fetch(`${stackUrl}/v1/apps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify({ url: appUrl }),
    });
    const body = await response.json() as { data?: { id: string; functions: string[] }; error?: string };
    if (!response.ok || !body.data) throw new Error(body.error ?? `HTTP ${response.status}`);
    logger.info(`example SDK app synced from ${appUrl}`, { app: body.data.id, functions: body.data.functions.join(',') });
  } catch (error) {
    logger.warn('example SDK app not synced', { url: appUrl, error: errorMessage(error) });
  }
}
