import { formatDuration, parseDuration } from '../duration';
import { preview } from './shown';
import type { Report } from './validate-graph';

type Obj = Record<string, unknown>;

/** The checks of validate.ts this one reuses (passed in: validate.ts imports this file). */
export interface FieldChecks {
  objectWithFields(value: unknown, path: string, allowed: string[], report: Report, what: string): Obj | undefined;
  checkCel(value: unknown, path: string, report: Report): void;
}

/** Bounds of the flow-control settings; each is named in its error. */
export const FLOW_LIMITS = {
  concurrencyEntries: 2,
  concurrencyLimit: 100_000,
  throttlePeriodMs: { min: 1000, max: 7 * 86_400_000 },
  rateLimitPeriodMs: { min: 1000, max: 86_400_000 },
  debouncePeriodMs: { min: 1000, max: 7 * 86_400_000 },
  batchMaxSize: 1000,
  batchTimeoutMs: { min: 1000, max: 86_400_000 },
  timeoutMs: { min: 1000, max: 30 * 86_400_000 },
} as const;

/** Settings that batchEvents cannot be combined with (SPEC section 3): a batch has no one event to key them on. */
const NOT_WITH_BATCH = ['debounce', 'idempotency', 'rateLimit', 'singleton', 'priority'] as const;

/** Checks every flow-control field of a function (SPEC section 3) and the combinations that are refused. */
export function checkFlow(fn: Obj, report: Report, checks: FieldChecks): void {
  if (fn.concurrency !== undefined) checkConcurrency(fn.concurrency, report, checks);
  if (fn.throttle !== undefined) checkThrottle(fn.throttle, report, checks);
  if (fn.rateLimit !== undefined) checkRateLimit(fn.rateLimit, report, checks);
  if (fn.debounce !== undefined) checkDebounce(fn.debounce, report, checks);
  if (fn.batchEvents !== undefined) checkBatch(fn.batchEvents, report, checks);
  if (fn.priority !== undefined) {
    const priority = checks.objectWithFields(fn.priority, 'priority', ['run'], report, 'an object like { run: "event.data.tier == \'pro\' ? 120 : 0" }');
    if (priority) requiredCel(priority.run, 'priority.run', report, checks, 'seconds ahead in line, e.g. "event.data.tier == \'pro\' ? 120 : 0"');
  }
  if (fn.idempotency !== undefined) requiredCel(fn.idempotency, 'idempotency', report, checks, 'the value that makes a run unique, e.g. "event.data.order_id"');
  if (fn.singleton !== undefined) checkSingleton(fn.singleton, report, checks);
  if (fn.timeouts !== undefined) checkTimeouts(fn.timeouts, report, checks);
  if (fn.batchEvents !== undefined) {
    for (const other of NOT_WITH_BATCH) {
      if (fn[other] !== undefined) report('batchEvents', `cannot be combined with ${other}: a batch of events has no single event for ${other} to act on; remove batchEvents or ${other}`);
    }
  }
}

function checkConcurrency(value: unknown, report: Report, checks: FieldChecks): void {
  if (typeof value === 'number') return checkLimit(value, 'concurrency', report, FLOW_LIMITS.concurrencyLimit);
  const entries = Array.isArray(value) ? value : [value];
  const listed = Array.isArray(value);
  if (entries.length === 0) return report('concurrency', 'must not be an empty list: give one or two entries like { limit: 5, key: "event.data.account_id" }, or leave it out');
  if (entries.length > FLOW_LIMITS.concurrencyEntries) {
    return report('concurrency', `${entries.length} entries is over the limit of ${FLOW_LIMITS.concurrencyEntries} (FLOW_LIMITS.concurrencyEntries): keep at most two limits`);
  }
  entries.forEach((item, index) => {
    const path = listed ? `concurrency[${index}]` : 'concurrency';
    const entry = checks.objectWithFields(item, path, ['limit', 'key', 'scope'], report, 'an object like { limit: 5, key: "event.data.account_id", scope: fn }');
    if (!entry) return;
    checkLimit(entry.limit, `${path}.limit`, report, FLOW_LIMITS.concurrencyLimit);
    if (entry.key !== undefined) checks.checkCel(entry.key, `${path}.key`, report);
    if (entry.scope !== undefined && entry.scope !== 'fn' && entry.scope !== 'env') {
      report(`${path}.scope`, `${preview(entry.scope)}: must be "fn" (this function alone) or "env" (shared by every function using the same key)`);
    } else if (entry.scope === 'env' && entry.key === undefined) {
      report(`${path}.key`, 'required with scope: env: the key whose value the functions share a count on, e.g. "event.data.account_id"');
    }
  });
}

function checkThrottle(value: unknown, report: Report, checks: FieldChecks): void {
  const throttle = checks.objectWithFields(value, 'throttle', ['limit', 'period', 'burst', 'key'], report, 'an object like { limit: 10, period: 1m, burst: 2 }');
  if (!throttle) return;
  checkLimit(throttle.limit, 'throttle.limit', report);
  checkPeriod(throttle.period, 'throttle.period', report, FLOW_LIMITS.throttlePeriodMs);
  if (throttle.burst !== undefined && !(Number.isInteger(throttle.burst) && (throttle.burst as number) >= 0 && (throttle.burst as number) <= 10_000)) {
    report('throttle.burst', `${preview(throttle.burst)}: must be a whole number from 0 to 10000 (extra starts allowed at once from idle)`);
  }
  if (throttle.key !== undefined) checks.checkCel(throttle.key, 'throttle.key', report);
}

function checkRateLimit(value: unknown, report: Report, checks: FieldChecks): void {
  const rate = checks.objectWithFields(value, 'rateLimit', ['limit', 'period', 'key'], report, 'an object like { limit: 100, period: 1h }');
  if (!rate) return;
  checkLimit(rate.limit, 'rateLimit.limit', report);
  checkPeriod(rate.period, 'rateLimit.period', report, FLOW_LIMITS.rateLimitPeriodMs);
  if (rate.key !== undefined) checks.checkCel(rate.key, 'rateLimit.key', report);
}

function checkDebounce(value: unknown, report: Report, checks: FieldChecks): void {
  const debounce = checks.objectWithFields(value, 'debounce', ['period', 'key', 'timeout'], report, 'an object like { period: 30s, key: "event.data.id", timeout: 5m }');
  if (!debounce) return;
  checkPeriod(debounce.period, 'debounce.period', report, FLOW_LIMITS.debouncePeriodMs);
  if (debounce.key !== undefined) checks.checkCel(debounce.key, 'debounce.key', report);
  if (debounce.timeout !== undefined) checkPeriod(debounce.timeout, 'debounce.timeout', report, FLOW_LIMITS.debouncePeriodMs);
}

function checkBatch(value: unknown, report: Report, checks: FieldChecks): void {
  const batch = checks.objectWithFields(value, 'batchEvents', ['maxSize', 'timeout', 'key'], report, 'an object like { maxSize: 50, timeout: 10s }');
  if (!batch) return;
  checkLimit(batch.maxSize, 'batchEvents.maxSize', report, FLOW_LIMITS.batchMaxSize, 'events per batch');
  checkPeriod(batch.timeout, 'batchEvents.timeout', report, FLOW_LIMITS.batchTimeoutMs);
  if (batch.key !== undefined) checks.checkCel(batch.key, 'batchEvents.key', report);
}

function checkSingleton(value: unknown, report: Report, checks: FieldChecks): void {
  const singleton = checks.objectWithFields(value, 'singleton', ['key', 'mode'], report, 'an object like { key: "event.data.user_id", mode: skip }');
  if (!singleton) return;
  if (singleton.key !== undefined) checks.checkCel(singleton.key, 'singleton.key', report);
  if (singleton.mode !== 'skip' && singleton.mode !== 'cancel') {
    report('singleton.mode', `${singleton.mode === undefined ? 'missing' : preview(singleton.mode)}: must be "skip" (start nothing while a run is running) or "cancel" (cancel it and start the new one)`);
  }
}

function checkTimeouts(value: unknown, report: Report, checks: FieldChecks): void {
  const timeouts = checks.objectWithFields(value, 'timeouts', ['start', 'finish'], report, 'an object like { start: 10m, finish: 1h }');
  if (!timeouts) return;
  if (timeouts.start === undefined && timeouts.finish === undefined) report('timeouts', 'needs "start", "finish" or both, e.g. { start: 10m, finish: 1h }; or leave it out');
  if (timeouts.start !== undefined) checkPeriod(timeouts.start, 'timeouts.start', report, FLOW_LIMITS.timeoutMs);
  if (timeouts.finish !== undefined) checkPeriod(timeouts.finish, 'timeouts.finish', report, FLOW_LIMITS.timeoutMs);
}

function requiredCel(value: unknown, path: string, report: Report, checks: FieldChecks, example: string): void {
  if (value === undefined) report(path, `required: a CEL expression over event: ${example}`);
  else checks.checkCel(value, path, report);
}

function checkLimit(value: unknown, path: string, report: Report, max = 1_000_000, what = 'the limit'): void {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > max) {
    report(path, `${value === undefined ? 'missing' : preview(value)}: must be a whole number from 1 to ${max} (${what})`);
  }
}

function checkPeriod(value: unknown, path: string, report: Report, bounds: { min: number; max: number }): void {
  if (value === undefined) return report(path, `required: a duration from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}, e.g. 30s or 1h`);
  let ms: number;
  try {
    ms = parseDuration(value as string);
  } catch (error) {
    return report(path, (error as Error).message);
  }
  if (ms < bounds.min || ms > bounds.max) report(path, `${preview(value)} is out of range: use a duration from ${formatDuration(bounds.min)} to ${formatDuration(bounds.max)}`);
}
