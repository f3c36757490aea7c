import type { Logger } from '../core/ports/logger';

/** One JSON object per line on stdout/stderr, which CloudWatch Logs keeps and Logs Insights can query. */
export function jsonLogger(base: Record<string, unknown> = {}, write: (line: string, level: string) => void = defaultWrite): Logger {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>): void =>
    write(JSON.stringify({ level, message, ...base, ...fields, time: new Date().toISOString() }), level);
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

function defaultWrite(line: string, level: string): void {
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}
