import type { Logger } from '../../core/ports/logger';
import { redactor } from './scrub';

export interface LoggerOptions {
  /** Values never to print (keys, tokens, a Redis password): replaced on every line. @default [] */
  secrets?: readonly string[];
  /** Where a finished line goes. @default info to stdout, warn and error to stderr */
  write?: (line: string, level: string) => void;
}

/**
 * One JSON object per line, which CloudWatch Logs keeps and Logs Insights can query. JSON escapes
 * control characters; U+2028 and U+2029, which it leaves, are escaped too.
 */
export function jsonLogger(base: Record<string, unknown> = {}, options: LoggerOptions = {}): Logger {
  const write = options.write ?? defaultWrite;
  const redact = redactor(options.secrets ?? []);
  const log = (level: string) => (message: string, fields?: Record<string, unknown>): void => {
    const record = { level, message, ...base, ...fields, time: new Date().toISOString() };
    write(redact(JSON.stringify(record, jsonSafe).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')), level);
  };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** Errors print their message (JSON.stringify would print `{}`); bigints print as text. */
function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function defaultWrite(line: string, level: string): void {
  (level === 'info' ? process.stdout : process.stderr).write(`${line}\n`);
}
