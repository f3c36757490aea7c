import { formatDuration } from '../duration';
import { ValidationError } from '../errors';
import { compileFunction } from '../functions/compile';
import type { CancelRule, FunctionDefinition, Trigger } from '../functions/definition';
import type { FlowControl } from '../functions/flow-definition';
import { validateFunction } from '../functions/validate';
import { sdkDurationMs } from './durations';
import { SDK_ENTRY_STEP } from './ids';

const FUNCTION_ID = /^[a-z0-9-]+$/;
const MAX_RETRIES = 20;
/** Configuration keys of the SDK that Stepstack reads; the others are reported as not applied. */
const READ = new Set(['id', 'name', 'triggers', 'steps', 'cancel', 'concurrency', 'throttle', 'rateLimit', 'debounce', 'batchEvents', 'priority', 'idempotency', 'singleton', 'timeouts']);

export interface SdkFunctions {
  definitions: FunctionDefinition[];
  /** `functions[i].field: problem` for each function Stepstack cannot run as configured. */
  problems: string[];
  /** Configuration that Stepstack does not apply (yet), by function. */
  notApplied: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The Stepstack functions of an app's SDK configuration (the `functions` of its registration): the
 * SDK's id (`<app id>-<function id>`), its triggers, retries and cancelOn, and one entry step that
 * calls the app (runtime `inngest` with the SDK's own step URL).
 */
export function sdkFunctionsOf(functions: unknown): SdkFunctions {
  const result: SdkFunctions = { definitions: [], problems: [], notApplied: [] };
  if (!Array.isArray(functions)) {
    result.problems.push('functions: required, a list of function configurations');
    return result;
  }
  functions.forEach((config, index) => {
    const path = `functions[${index}]`;
    const problem = (field: string, message: string): void => void result.problems.push(`${path}.${field}: ${message}`);
    if (!isObject(config)) return problem('', 'not an object');
    const id = config.id;
    if (typeof id !== 'string' || !FUNCTION_ID.test(id)) {
      return problem('id', `${JSON.stringify(id)} is not a Stepstack function id ([a-z0-9-]): give the SDK client and the function lowercase ids of letters, digits and dashes`);
    }
    const step = isObject(config.steps) ? Object.values(config.steps)[0] : undefined;
    const runtime = isObject(step) && isObject(step.runtime) ? step.runtime : undefined;
    if (!runtime || typeof runtime.url !== 'string') return problem('steps', 'the function has no step URL (steps.step.runtime.url)');
    if (runtime.type !== 'http') return problem('steps.step.runtime.type', `${JSON.stringify(runtime.type)}: only apps served over HTTP run here (not connect)`);
    const triggers: Trigger[] = [];
    for (const trigger of Array.isArray(config.triggers) ? config.triggers : []) {
      if (isObject(trigger) && typeof trigger.event === 'string') {
        triggers.push({ event: trigger.event, ...(typeof trigger.expression === 'string' && trigger.expression !== '' ? { expression: trigger.expression } : {}) });
      } else if (isObject(trigger) && typeof trigger.cron === 'string') {
        triggers.push({ cron: trigger.cron.replace(/^TZ=\S+\s+/, '') });
      }
    }
    const retries = isObject(step) && isObject(step.retries) && typeof step.retries.attempts === 'number' ? Math.min(MAX_RETRIES, Math.max(0, Math.floor(step.retries.attempts))) : undefined;
    const cancel: CancelRule[] = [];
    for (const rule of Array.isArray(config.cancel) ? config.cancel : []) {
      if (!isObject(rule) || typeof rule.event !== 'string') continue;
      let timeout: string | undefined;
      if (typeof rule.timeout === 'string') {
        try {
          timeout = formatDuration(sdkDurationMs(rule.timeout));
        } catch (error) {
          problem('cancel.timeout', (error as Error).message);
        }
      }
      cancel.push({ event: rule.event, ...(typeof rule.if === 'string' ? { if: rule.if } : {}), ...(timeout ? { timeout } : {}) });
    }
    const dropped: string[] = [];
    let flow: FlowControl;
    try {
      flow = flowOf(config, dropped);
    } catch (error) {
      return problem('', (error as Error).message);
    }
    const definition: FunctionDefinition = {
      id, name: typeof config.name === 'string' && config.name !== '' ? config.name : id, triggers,
      ...(retries === undefined ? {} : { retries: { attempts: retries } }),
      ...(cancel.length > 0 ? { cancel } : {}),
      ...flow,
      steps: { [SDK_ENTRY_STEP]: { runtime: { type: 'inngest', url: runtime.url }, after: [{ step: '$trigger' }] } },
    };
    // The rules of function files (triggers, cancel, flow control), checked on the same function with a stand-in step.
    const { steps: _steps, ...rest } = definition;
    try {
      validateFunction({ ...rest, steps: { call: { runtime: { type: 'http', url: 'http://127.0.0.1/' }, after: [{ step: '$trigger' }] } } }, `app function ${id}`);
      compileFunction(definition);
    } catch (error) {
      if (error instanceof ValidationError) {
        for (const each of error.problems) result.problems.push(`${path}: ${each}`);
        return;
      }
      return problem('triggers', `does not compile: ${(error as Error).message}`);
    }
    const ignored = [...dropped, ...Object.keys(config).filter((key) => !READ.has(key) && config[key] !== undefined && config[key] !== null)];
    if (ignored.length > 0) result.notApplied.push(`${id}: ${ignored.join(', ')}`);
    result.definitions.push(definition);
  });
  return result;
}

/** A duration as the SDK wrote it, in the form function files use (`1w` is `7d`). */
const duration = (value: unknown): string => {
  if (typeof value !== 'string') throw new Error(`${JSON.stringify(value)} is not a duration`);
  return formatDuration(sdkDurationMs(value));
};

const pick = (value: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.filter((key) => value[key] !== undefined && value[key] !== null).map((key) => [key, value[key]]));

/**
 * The SDK's flow control as a function file writes it (SPEC section 3 uses Inngest's keys): periods
 * in file durations; what Stepstack lacks (concurrency scope `account`, a batch's `if`) is left out
 * and named in `dropped`.
 */
function flowOf(config: Record<string, unknown>, dropped: string[]): FlowControl {
  const flow: Record<string, unknown> = {};
  if (config.concurrency !== undefined && config.concurrency !== null) {
    const entries = typeof config.concurrency === 'number' ? [{ limit: config.concurrency }] : Array.isArray(config.concurrency) ? config.concurrency : [config.concurrency];
    const kept = entries.filter(isObject).filter((entry) => {
      if (entry.scope !== 'account') return true;
      dropped.push('concurrency scope account');
      return false;
    }).map((entry) => pick(entry, ['limit', 'key', 'scope']));
    if (kept.length > 0) flow.concurrency = kept;
  }
  if (isObject(config.throttle)) flow.throttle = { ...pick(config.throttle, ['limit', 'burst', 'key']), period: duration(config.throttle.period) };
  if (isObject(config.rateLimit)) flow.rateLimit = { ...pick(config.rateLimit, ['limit', 'key']), period: duration(config.rateLimit.period) };
  if (isObject(config.debounce)) {
    flow.debounce = { ...pick(config.debounce, ['key']), period: duration(config.debounce.period), ...(config.debounce.timeout ? { timeout: duration(config.debounce.timeout) } : {}) };
  }
  if (isObject(config.batchEvents)) {
    if (config.batchEvents.if) dropped.push('batchEvents.if');
    flow.batchEvents = { ...pick(config.batchEvents, ['maxSize', 'key']), timeout: duration(config.batchEvents.timeout) };
  }
  if (isObject(config.priority) && typeof config.priority.run === 'string') flow.priority = { run: config.priority.run };
  if (typeof config.idempotency === 'string' && config.idempotency !== '') flow.idempotency = config.idempotency;
  if (isObject(config.singleton)) flow.singleton = pick(config.singleton, ['key', 'mode']);
  if (isObject(config.timeouts)) {
    const timeouts: Record<string, string> = {};
    if (config.timeouts.start) timeouts.start = duration(config.timeouts.start);
    if (config.timeouts.finish) timeouts.finish = duration(config.timeouts.finish);
    if (Object.keys(timeouts).length > 0) flow.timeouts = timeouts;
  }
  return flow as FlowControl;
}
