import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../duration';
import { ValidationError } from '../errors';
import { compileExpression } from '../expressions/cel';
import { parseMemory } from '../memory';
import { TRIGGER, type FunctionDefinition } from './definition';
import { type Report, checkGraph } from './validate-graph';

/**
 * Hand-written checks rather than a schema library: every problem names the field path and the fix,
 * unknown fields get a "did you mean", and all problems are collected before throwing.
 */

type Obj = Record<string, unknown>;

const FUNCTION_FIELDS = ['id', 'name', 'triggers', 'retries', 'cancel', 'steps'];
const EVENT_TRIGGER_FIELDS = ['event', 'expression'];
const CRON_TRIGGER_FIELDS = ['cron'];
const RETRIES_FIELDS = ['attempts'];
const CANCEL_FIELDS = ['event', 'if', 'timeout'];
const STEP_FIELDS = ['name', 'runtime', 'retries', 'after'];
const HTTP_FIELDS = ['type', 'url', 'timeout'];
const DOCKER_FIELDS = ['type', 'image', 'timeout', 'memory', 'cpus', 'entrypoint', 'env'];
const EDGE_FIELDS = ['step', 'if', 'wait', 'async'];
const ASYNC_FIELDS = ['event', 'match', 'ttl', 'onTimeout'];

const FUNCTION_ID = /^[a-z0-9-]+$/;
const STEP_ID = /^[A-Za-z0-9_-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A function definition from untrusted input (a file's content or an API body). `source` names the
 * input in messages (`functions/welcome.yaml`). Throws `ValidationError` listing every problem as
 * `source: field.path: what is wrong and the fix`.
 */
export function validateFunction(raw: unknown, source: string): FunctionDefinition {
  const problems: string[] = [];
  const report: Report = (path, message) => problems.push(`${source}: ${path ? `${path}: ` : ''}${message}`);
  const fn = objectWithFields(raw, '', FUNCTION_FIELDS, report, 'a function');
  if (!fn) throw new ValidationError(problems);

  if (typeof fn.id !== 'string' || fn.id === '') report('id', 'required: a unique id made of a-z, 0-9 and -');
  else if (!FUNCTION_ID.test(fn.id)) report('id', `"${fn.id}" may contain only a-z, 0-9 and - (e.g. "${suggestId(fn.id)}")`);
  if (fn.name !== undefined && (typeof fn.name !== 'string' || fn.name.trim() === '')) report('name', 'must be a non-empty string (or leave it out to use the id)');
  checkTriggers(fn.triggers, report);
  if (fn.retries !== undefined) checkRetries(fn.retries, 'retries', report);
  if (fn.cancel !== undefined) checkCancel(fn.cancel, report);
  const steps = checkSteps(fn.steps, report);
  if (steps) checkGraph(steps, report);

  if (problems.length > 0) throw new ValidationError(problems);
  // A JSON copy (the input is JSON or YAML data): detached from the caller, and made in this realm.
  const { id, name, ...rest } = JSON.parse(JSON.stringify(fn)) as FunctionDefinition;
  return { id, name: name ?? id, ...rest };
}

function checkTriggers(value: unknown, report: Report): void {
  if (!Array.isArray(value) || value.length === 0) {
    report('triggers', 'required: a non-empty list, e.g. [{ event: "user/signed.up" }] or [{ cron: "0 9 * * MON" }]');
    return;
  }
  value.forEach((item, index) => {
    const path = `triggers[${index}]`;
    const hasEvent = isObject(item) && 'event' in item;
    const hasCron = isObject(item) && 'cron' in item;
    if (isObject(item) && hasEvent && hasCron) return report(path, 'has both "event" and "cron": use one per trigger (add a second trigger for the other)');
    if (isObject(item) && !hasEvent && !hasCron) {
      objectWithFields(item, path, [...EVENT_TRIGGER_FIELDS, ...CRON_TRIGGER_FIELDS], report, 'a trigger');
      return report(path, 'needs "event" (with an optional "expression") or "cron"');
    }
    const trigger = objectWithFields(item, path, hasCron ? CRON_TRIGGER_FIELDS : EVENT_TRIGGER_FIELDS, report, 'a trigger');
    if (!trigger) return;
    if (hasCron) return checkCron(trigger.cron, `${path}.cron`, report);
    checkEventName(trigger.event, `${path}.event`, report);
    if (trigger.expression !== undefined) checkCel(trigger.expression, `${path}.expression`, report);
  });
}

function checkCron(value: unknown, path: string, report: Report): void {
  if (typeof value !== 'string' || value.trim().split(/\s+/).length !== 5) {
    return report(path, `${JSON.stringify(value)} is not a five-field cron expression (minute hour day-of-month month day-of-week, UTC), e.g. "0 9 * * MON"`);
  }
  try {
    CronExpressionParser.parse(value, { tz: 'UTC' });
  } catch (error) {
    report(path, `"${value}" is not a valid cron expression: ${(error as Error).message} (e.g. "0 9 * * MON")`);
  }
}

function checkRetries(value: unknown, path: string, report: Report): void {
  const retries = objectWithFields(value, path, RETRIES_FIELDS, report, 'an object like { attempts: 3 }');
  if (!retries) return;
  const { attempts } = retries;
  if (!Number.isInteger(attempts) || (attempts as number) < 0 || (attempts as number) > 20) {
    report(`${path}.attempts`, `${JSON.stringify(attempts) ?? 'missing'}: must be a whole number from 0 to 20 (retries after the first try)`);
  }
}

function checkCancel(value: unknown, report: Report): void {
  if (!Array.isArray(value)) return report('cancel', 'must be a list, e.g. [{ event: "user/deleted", if: "async.data.id == event.data.id" }]');
  value.forEach((item, index) => {
    const path = `cancel[${index}]`;
    const rule = objectWithFields(item, path, CANCEL_FIELDS, report, 'a cancel rule');
    if (!rule) return;
    checkEventName(rule.event, `${path}.event`, report);
    if (rule.if !== undefined) checkCel(rule.if, `${path}.if`, report);
    if (rule.timeout !== undefined) checkDuration(rule.timeout, `${path}.timeout`, report);
  });
}

/** The steps object when its shape allows checking the graph. */
function checkSteps(value: unknown, report: Report): Record<string, Obj> | undefined {
  if (!isObject(value) || Object.keys(value).length === 0) {
    report('steps', 'required: an object of steps by id, e.g. { send-email: { runtime: {...}, after: [{ step: $trigger }] } }');
    return undefined;
  }
  const steps: Record<string, Obj> = {};
  for (const [id, raw] of Object.entries(value)) {
    const path = `steps.${id}`;
    if (!STEP_ID.test(id)) report(path, `step id "${id}" may contain only A-Z, a-z, 0-9, _ and -`);
    const step = objectWithFields(raw, path, STEP_FIELDS, report, 'a step');
    if (!step) continue;
    steps[id] = step;
    if (step.name !== undefined && typeof step.name !== 'string') report(`${path}.name`, 'must be a string');
    checkRuntime(step.runtime, `${path}.runtime`, report);
    if (step.retries !== undefined) checkRetries(step.retries, `${path}.retries`, report);
  }
  for (const [id, step] of Object.entries(steps)) checkAfter(step.after, id, Object.keys(value), report);
  return steps;
}

function checkRuntime(value: unknown, path: string, report: Report): void {
  if (!isObject(value)) return report(path, 'required: { type: http, url: ... } or { type: docker, image: ... }');
  if (value.type !== 'http' && value.type !== 'docker') {
    return report(`${path}.type`, `${JSON.stringify(value.type) ?? 'missing'}: must be "http" or "docker"`);
  }
  const runtime = objectWithFields(value, path, value.type === 'http' ? HTTP_FIELDS : DOCKER_FIELDS, report, 'a runtime', `${value.type === 'http' ? 'an' : 'a'} ${value.type} runtime`);
  if (!runtime) return;
  if (runtime.timeout !== undefined) checkDuration(runtime.timeout, `${path}.timeout`, report);
  if (runtime.type === 'http') return checkUrl(runtime.url, `${path}.url`, report);
  if (typeof runtime.image !== 'string' || runtime.image.trim() === '') report(`${path}.image`, 'required: the image to run, e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com/mailer:1.2"');
  if (runtime.memory !== undefined) checkMemory(runtime.memory, `${path}.memory`, report);
  if (runtime.cpus !== undefined && !(typeof runtime.cpus === 'number' && Number.isFinite(runtime.cpus) && runtime.cpus > 0)) {
    report(`${path}.cpus`, `${JSON.stringify(runtime.cpus)}: must be a positive number of CPUs, e.g. 0.5 or 2`);
  }
  if (runtime.entrypoint !== undefined && !(Array.isArray(runtime.entrypoint) && runtime.entrypoint.length > 0 && runtime.entrypoint.every((part) => typeof part === 'string'))) {
    report(`${path}.entrypoint`, 'must be a non-empty list of strings, e.g. ["node", "main.js"]');
  }
  if (runtime.env !== undefined) checkEnv(runtime.env, `${path}.env`, report);
}

function checkUrl(value: unknown, path: string, report: Report): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    report(path, `${JSON.stringify(value) ?? 'missing'} is not an http(s) URL, e.g. "https://api.example.com/step"`);
  }
}

function checkEnv(value: unknown, path: string, report: Report): void {
  if (!isObject(value)) return report(path, 'must be an object of variable names to string values');
  for (const [name, text] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) report(`${path}.${name}`, 'is not a valid variable name (letters, digits and _, not starting with a digit)');
    if (typeof text !== 'string') report(`${path}.${name}`, `${JSON.stringify(text)}: must be a string (quote it in YAML)`);
  }
}

function checkAfter(value: unknown, stepId: string, stepIds: string[], report: Report): void {
  const path = `steps.${stepId}.after`;
  if (!Array.isArray(value) || value.length === 0) {
    return report(path, `required: a non-empty list of parents, e.g. [{ step: ${TRIGGER} }] to run when the function starts`);
  }
  const seen = new Map<string, number>();
  value.forEach((item, index) => {
    const edgePath = `${path}[${index}]`;
    const edge = objectWithFields(item, edgePath, EDGE_FIELDS, report, 'an edge');
    if (!edge) return;
    checkEdgeParent(edge.step, stepId, stepIds, `${edgePath}.step`, report);
    if (typeof edge.step === 'string') {
      const first = seen.get(edge.step);
      if (first !== undefined) report(`${edgePath}.step`, `"${edge.step}" is already a parent at after[${first}]: merge the two entries into one`);
      else seen.set(edge.step, index);
    }
    if (edge.if !== undefined) checkCel(edge.if, `${edgePath}.if`, report);
    if (edge.wait !== undefined && edge.async !== undefined) report(edgePath, 'has both "wait" and "async": use either (a delay, or waiting for an event)');
    if (edge.wait !== undefined) checkDuration(edge.wait, `${edgePath}.wait`, report);
    if (edge.async !== undefined) checkAsync(edge.async, `${edgePath}.async`, report);
  });
}

function checkEdgeParent(value: unknown, stepId: string, stepIds: string[], path: string, report: Report): void {
  if (typeof value !== 'string' || value === '') return report(path, `required: a step id, or ${TRIGGER} to run when the function starts`);
  if (value === stepId) return report(path, `"${value}" is this step itself: a step cannot wait for itself`);
  if (value === TRIGGER || stepIds.includes(value)) return;
  const hint = closest(value, [TRIGGER, ...stepIds.filter((id) => id !== stepId)]);
  report(path, `no step "${value}"${hint ? `; did you mean "${hint}"?` : ''} (use ${TRIGGER} or one of: ${stepIds.filter((id) => id !== stepId).join(', ') || 'no other steps'})`);
}

function checkAsync(value: unknown, path: string, report: Report): void {
  const wait = objectWithFields(value, path, ASYNC_FIELDS, report, 'an object like { event: "email/opened", ttl: 3d }');
  if (!wait) return;
  checkEventName(wait.event, `${path}.event`, report);
  if (wait.match !== undefined) checkCel(wait.match, `${path}.match`, report);
  if (wait.ttl === undefined) report(`${path}.ttl`, 'required: how long to wait for the event, e.g. 3d');
  else checkDuration(wait.ttl, `${path}.ttl`, report);
  if (wait.onTimeout !== undefined && typeof wait.onTimeout !== 'boolean') report(`${path}.onTimeout`, 'must be true or false');
}

function checkEventName(value: unknown, path: string, report: Report): void {
  if (typeof value !== 'string' || value.trim() === '') report(path, 'required: an event name, e.g. "user/signed.up"');
}

function checkCel(value: unknown, path: string, report: Report): void {
  if (typeof value !== 'string') return report(path, 'must be a CEL expression in a string');
  try {
    compileExpression(value);
  } catch (error) {
    report(path, (error as Error).message);
  }
}

function checkDuration(value: unknown, path: string, report: Report): void {
  try {
    parseDuration(value as string);
  } catch (error) {
    report(path, (error as Error).message);
  }
}

/** The same parser the Docker driver uses, so a size accepted here is never refused at run time. */
function checkMemory(value: unknown, path: string, report: Report): void {
  try {
    if (typeof value !== 'string') throw new Error(`${JSON.stringify(value)} is not a memory size: write it as 256Mi, 1Gi or 512M`);
    parseMemory(value);
  } catch (error) {
    report(path, (error as Error).message);
  }
}

/** The value as an object when it is one; reports unknown fields with the allowed ones and the closest name. */
function objectWithFields(value: unknown, path: string, allowed: string[], report: Report, what: string, owner = what): Obj | undefined {
  if (!isObject(value)) {
    report(path, `must be ${what} (an object), got ${describe(value)}`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = closest(key, allowed);
    report(path ? `${path}.${key}` : key, `unknown field${hint ? `; did you mean "${hint}"?` : ''} (fields of ${owner}: ${allowed.join(', ')})`);
  }
  return value;
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function suggestId(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'my-function';
}

/** The candidate nearest to `name` by edit distance, when near enough to be a typo. */
export function closest(name: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3));
  for (const candidate of candidates) {
    const sameStem = name.length >= 3 && sharedPrefix(name, candidate) >= Math.min(4, name.length, candidate.length);
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : sameStem ? 1 : editDistance(name, candidate);
    if (distance <= bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

/** Optimal string alignment distance: a swap of two neighbours (`nmae`) counts as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => rows[i]?.[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
