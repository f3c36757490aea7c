import { AsyncLocalStorage } from 'node:async_hooks';

/** Correlation ids (requestId, eventId, runId, stepId) that every log line written inside `withLogContext` carries. */
export type LogContext = Readonly<Record<string, string | number | undefined>>;

const storage = new AsyncLocalStorage<LogContext>();

/** Run `work` with `fields` added to the log context of everything it logs, also across awaits. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, work);
}

/** The correlation ids in force here; empty outside any `withLogContext`. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
