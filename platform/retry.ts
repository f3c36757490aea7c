import { defaultRetrySettings, type RetrySettings } from '../core/run/backoff';
import type { Settings } from './settings';

/** The engine's retry backoff from RETRY_BASE and RETRY_MAX. */
export function retryFor(settings: Pick<Settings, 'RETRY_BASE' | 'RETRY_MAX'>, random?: () => number): RetrySettings {
  return { ...defaultRetrySettings, baseMs: settings.RETRY_BASE, maxMs: settings.RETRY_MAX, ...(random ? { random } : {}) };
}
