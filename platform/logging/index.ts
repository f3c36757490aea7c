import type { Logger } from '../../core/ports/logger';
import { type Settings, type Target, secretsOf } from '../settings';
import { consoleLogger } from './console-logger';
import { jsonLogger } from './json-logger';

export { consoleLogger } from './console-logger';
export { jsonLogger } from './json-logger';

/** The logger of a process: JSON lines on AWS, readable lines for `npm start` (LOG_FORMAT overrides). */
export function loggerFor(settings: Settings, target: Target, base: Record<string, unknown> = {}): Logger {
  const format = settings.LOG_FORMAT === 'auto' ? (target === 'local' ? 'text' : 'json') : settings.LOG_FORMAT;
  const secrets = secretsOf(settings);
  if (format === 'text') return consoleLogger({ secrets });
  return jsonLogger({ ...(settings.STEPSTACK_STAGE ? { stage: settings.STEPSTACK_STAGE } : {}), ...base }, { secrets });
}
