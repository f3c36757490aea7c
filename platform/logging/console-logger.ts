import type { Logger } from '../../core/ports/logger';
import { escapeControl, redactor } from './scrub';

export interface ConsoleLoggerOptions {
  /** Values never to print: replaced on every line. @default [] */
  secrets?: readonly string[];
  /** @default process.stderr */
  stream?: NodeJS.WritableStream;
}

/** A readable one-line-per-record logger for the terminal that runs `npm start`; control characters are escaped, so one record is one line. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const redact = redactor(options.secrets ?? []);
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const time = new Date().toISOString().slice(11, 23);
    const all = fields ?? {};
    const details = Object.entries(all)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${escapeControl(key)}=${escapeControl(show(value))}`)
      .join(' ');
    stream.write(`${redact(`${time} ${level.padEnd(5)} ${escapeControl(message)}${details ? ` ${details}` : ''}`)}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
