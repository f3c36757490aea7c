import type { Logger } from '../core/ports/logger';

/** A readable one-line-per-record logger for the terminal that runs `npm start`. */
export function consoleLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const time = new Date().toISOString().slice(11, 23);
    const details = fields ? Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(' ') : '';
    stream.write(`${time} ${level.padEnd(5)} ${message}${details ? ` ${details}` : ''}\n`);
  };
  return {
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}
