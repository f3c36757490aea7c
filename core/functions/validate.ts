import { CronExpressionParser } from 'cron-parser';
import { parseDuration } from '../duration';
import { ValidationError } from '../errors';
import { compileExpression } from '../expressions/cel';
import { parseMemory } from '../memory';
import { TRIGGER, type FunctionDefinition } from './definition';
import { FLOW_FIELDS } from './flow-definition';
import { FUNCTION_LIMITS, RESERVED_KEYS } from './limits';
import { preview, shown } from './shown';
import { checkFlow } from './validate-flow';
import { type Report, checkGraph } from './validate-graph';

/**
 * Hand-written checks rather than a schema library: every problem names the field path and the fix,
 * unknown fields get a "did you mean", and all problems are collected before throwing.
 *
 * The input is untrusted, so every pass is linear in its size (`FUNCTION_LIMITS` bounds ids, steps,
 * edges and expressions; hints compare short names only), at most `FUNCTION_LIMITS.problems` problems
 * are listed with user values shortened, and user-chosen keys live in Maps, never as object keys.
 */

type Obj = Record<string, unknown>;

const FUNCTION_FIELDS = ['id', 'name', 'triggers', 'retries', 'cancel', 'steps', ...FLOW_FIELDS];
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
  const problems = collectProblems(shown(source, 100));
  const { report } = problems;
  const fn = objectWithFields(raw, '', FUNCTION_FIELDS, report, 'a function');
  if (!fn) throw problems.error();

  if (typeof fn.id !== 'string' || fn.id === '') report('id', 'required: a unique id made of a-z, 0-9 and -');
  else if (fn.id.length > FUNCTION_LIMITS.idLength) report('id', `${fn.id.length} characters is over the limit of ${FUNCTION_LIMITS.idLength} for a function id (FUNCTION_LIMITS.idLength): use a shorter id`);
  else if (!FUNCTION_ID.test(fn.id)) report('id', () => `"${shown(fn.id as string)}" may contain only a-z, 0-9 and - (e.g. "${shown(suggestId(fn.id as string))}")`);
  else if (RESERVED_KEYS.has(fn.id)) report('id', `"${fn.id}" is a reserved name (${[...RESERVED_KEYS].join(', ')}): choose another id`);
  if (fn.name !== undefined && (typeof fn.name !== 'string' || fn.name.trim() === '')) report('name', 'must be a non-empty string (or leave it out to use the id)');
  else if (typeof fn.name === 'string' && fn.name.length > FUNCTION_LIMITS.nameLength) report('name', `${fn.name.length} characters is over the limit of ${FUNCTION_LIMITS.nameLength} (FUNCTION_LIMITS.nameLength)`);
  checkTriggers(fn.triggers, report);
  if (fn.retries !== undefined) checkRetries(fn.retries, 'retries', report);
  if (fn.cancel !== undefined) checkCancel(fn.cancel, report);
  const steps = checkSteps(fn.steps, report);
  if (steps) checkGraph(steps, report);
  checkFlow(fn, report, { objectWithFields, checkCel });

  if (problems.count() > 0) throw problems.error();
  // A JSON copy (the input is JSON or YAML data): detached from the caller, and made in this realm.
  const { id, name, ...rest } = JSON.parse(JSON.stringify(fn)) as FunctionDefinition;
  return { id, name: name ?? id, ...rest };
}

function checkTriggers(value: unknown, report: Report): void {
  if (!Array.isArray(value) || value.length === 0) {
    report('triggers', 'required: a non-empty list, e.g. [{ event: "user/signed.up" }] or [{ cron: "0 9 * * MON" }]');
    return;
  }
  if (value.length > FUNCTION_LIMITS.triggers) {
    return report('triggers', `${value.length} triggers is over the limit of ${FUNCTION_LIMITS.triggers} per function (FUNCTION_LIMITS.triggers): split the function, or trigger it from one event`);
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
    return report(path, `${preview(value)} is not a five-field cron expression (minute hour day-of-month month day-of-week, UTC), e.g. "0 9 * * MON"`);
  }
  try {
    CronExpressionParser.parse(value, { tz: 'UTC' });
  } catch (error) {
    report(path, `"${shown(value)}" is not a valid cron expression: ${shown((error as Error).message, 200)} (e.g. "0 9 * * MON")`);
  }
}

function checkRetries(value: unknown, path: string, report: Report): void {
  const retries = objectWithFields(value, path, RETRIES_FIELDS, report, 'an object like { attempts: 3 }');
  if (!retries) return;
  const { attempts } = retries;
  if (!Number.isInteger(attempts) || (attempts as number) < 0 || (attempts as number) > 20) {
    report(`${path}.attempts`, `${(attempts === undefined ? 'missing' : preview(attempts))}: must be a whole number from 0 to 20 (retries after the first try)`);
  }
}

function checkCancel(value: unknown, report: Report): void {
  if (!Array.isArray(value)) return report('cancel', 'must be a list, e.g. [{ event: "user/deleted", if: "async.data.id == event.data.id" }]');
  if (value.length > FUNCTION_LIMITS.cancelRules) {
    return report('cancel', `${value.length} rules is over the limit of ${FUNCTION_LIMITS.cancelRules} per function (FUNCTION_LIMITS.cancelRules): merge rules on the same event with ||`);
  }
  value.forEach((item, index) => {
    const path = `cancel[${index}]`;
    const rule = objectWithFields(item, path, CANCEL_FIELDS, report, 'a cancel rule');
    if (!rule) return;
    checkEventName(rule.event, `${path}.event`, report);
    if (rule.if !== undefined) checkCel(rule.if, `${path}.if`, report);
    if (rule.timeout !== undefined) checkDuration(rule.timeout, `${path}.timeout`, report);
  });
}

/** The steps by id when their shape allows checking the graph. */
function checkSteps(value: unknown, report: Report): Map<string, Obj> | undefined {
  const ids = isObject(value) ? Object.keys(value) : [];
  if (!isObject(value) || ids.length === 0) {
    report('steps', 'required: an object of steps by id, e.g. { send-email: { runtime: {...}, after: [{ step: $trigger }] } }');
    return undefined;
  }
  if (ids.length > FUNCTION_LIMITS.steps) {
    report('steps', `${ids.length} steps is over the limit of ${FUNCTION_LIMITS.steps} per function (FUNCTION_LIMITS.steps): split the work into several functions that send each other events`);
    return undefined;
  }
  const steps = new Map<string, Obj>();
  for (const id of ids) {
    const path = `steps.${shown(id)}`;
    if (id.length > FUNCTION_LIMITS.idLength) report(path, `step id of ${id.length} characters is over the limit of ${FUNCTION_LIMITS.idLength} (FUNCTION_LIMITS.idLength): use a shorter id`);
    else if (!STEP_ID.test(id)) report(path, `step id "${shown(id)}" may contain only A-Z, a-z, 0-9, _ and -`);
    else if (RESERVED_KEYS.has(id)) report(path, `step id "${id}" is a reserved name (${[...RESERVED_KEYS].join(', ')}): choose another id`);
    const step = objectWithFields(value[id], path, STEP_FIELDS, report, 'a step');
    if (!step) continue;
    steps.set(id, step);
    if (step.name !== undefined && typeof step.name !== 'string') report(`${path}.name`, 'must be a string');
    else if (typeof step.name === 'string' && step.name.length > FUNCTION_LIMITS.nameLength) report(`${path}.name`, `${step.name.length} characters is over the limit of ${FUNCTION_LIMITS.nameLength} (FUNCTION_LIMITS.nameLength)`);
    checkRuntime(step.runtime, `${path}.runtime`, report);
    if (step.retries !== undefined) checkRetries(step.retries, `${path}.retries`, report);
  }
  const stepIds = new Set(ids);
  for (const [id, step] of steps) checkAfter(step.after, id, stepIds, report);
  return steps;
}

function checkRuntime(value: unknown, path: string, report: Report): void {
  if (!isObject(value)) return report(path, 'required: { type: http, url: ... } or { type: docker, image: ... }');
  if (value.type !== 'http' && value.type !== 'docker') {
    return report(`${path}.type`, `${(value.type === undefined ? 'missing' : preview(value.type))}: must be "http" or "docker"`);
  }
  const runtime = objectWithFields(value, path, value.type === 'http' ? HTTP_FIELDS : DOCKER_FIELDS, report, 'a runtime', `${value.type === 'http' ? 'an' : 'a'} ${value.type} runtime`);
  if (!runtime) return;
  if (runtime.timeout !== undefined) checkDuration(runtime.timeout, `${path}.timeout`, report);
  if (runtime.type === 'http') return checkUrl(runtime.url, `${path}.url`, report);
  if (typeof runtime.image !== 'string' || runtime.image.trim() === '') report(`${path}.image`, 'required: the image to run, e.g. "123456789012.dkr.ecr.us-east-1.amazonaws.com/mailer:1.2"');
  if (runtime.memory !== undefined) checkMemory(runtime.memory, `${path}.memory`, report);
  if (runtime.cpus !== undefined && !(typeof runtime.cpus === 'number' && Number.isFinite(runtime.cpus) && runtime.cpus > 0)) {
    report(`${path}.cpus`, `${preview(runtime.cpus)}: must be a positive number of CPUs, e.g. 0.5 or 2`);
  } else if (typeof runtime.cpus === 'number' && runtime.cpus > FUNCTION_LIMITS.dockerCpus) {
    report(`${path}.cpus`, `${runtime.cpus} is over the limit of ${FUNCTION_LIMITS.dockerCpus} CPUs (FUNCTION_LIMITS.dockerCpus); the stage's executors may allow less`);
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
    report(path, `${(value === undefined ? 'missing' : preview(value))} is not an http(s) URL, e.g. "https://api.example.com/step"`);
  }
}

function checkEnv(value: unknown, path: string, report: Report): void {
  if (!isObject(value)) return report(path, 'must be an object of variable names to string values');
  const names = Object.keys(value);
  if (names.length > FUNCTION_LIMITS.envVariables) {
    return report(path, `${names.length} variables is over the limit of ${FUNCTION_LIMITS.envVariables} (FUNCTION_LIMITS.envVariables): pass the rest in the step's input`);
  }
  for (const name of names) {
    const text = value[name];
    if (!ENV_NAME.test(name)) report(`${path}.${shown(name)}`, 'is not a valid variable name (letters, digits and _, not starting with a digit)');
    else if (RESERVED_KEYS.has(name)) report(`${path}.${name}`, `is a reserved name (${[...RESERVED_KEYS].join(', ')}): choose another variable name`);
    if (typeof text !== 'string') report(`${path}.${shown(name)}`, `${preview(text)}: must be a string (quote it in YAML)`);
  }
}

function checkAfter(value: unknown, stepId: string, stepIds: ReadonlySet<string>, report: Report): void {
  const path = `steps.${shown(stepId)}.after`;
  if (!Array.isArray(value) || value.length === 0) {
    return report(path, `required: a non-empty list of parents, e.g. [{ step: ${TRIGGER} }] to run when the function starts`);
  }
  if (value.length > FUNCTION_LIMITS.edgesPerStep) {
    return report(path, `${value.length} parents is over the limit of ${FUNCTION_LIMITS.edgesPerStep} per step (FUNCTION_LIMITS.edgesPerStep): add a step that gathers them`);
  }
  const seen = new Map<string, number>();
  value.forEach((item, index) => {
    const edgePath = `${path}[${index}]`;
    const edge = objectWithFields(item, edgePath, EDGE_FIELDS, report, 'an edge');
    if (!edge) return;
    checkEdgeParent(edge.step, stepId, stepIds, `${edgePath}.step`, report);
    if (typeof edge.step === 'string') {
      const first = seen.get(edge.step);
      if (first !== undefined) report(`${edgePath}.step`, `"${shown(edge.step)}" is already a parent at after[${first}]: merge the two entries into one`);
      else seen.set(edge.step, index);
    }
    if (edge.if !== undefined) checkCel(edge.if, `${edgePath}.if`, report);
    if (edge.wait !== undefined && edge.async !== undefined) report(edgePath, 'has both "wait" and "async": use either (a delay, or waiting for an event)');
    if (edge.wait !== undefined) checkDuration(edge.wait, `${edgePath}.wait`, report);
    if (edge.async !== undefined) checkAsync(edge.async, `${edgePath}.async`, report);
  });
}

function checkEdgeParent(value: unknown, stepId: string, stepIds: ReadonlySet<string>, path: string, report: Report): void {
  if (typeof value !== 'string' || value === '') return report(path, `required: a step id, or ${TRIGGER} to run when the function starts`);
  if (value === stepId) return report(path, `"${shown(value)}" is this step itself: a step cannot wait for itself`);
  if (value === TRIGGER || stepIds.has(value)) return;
  // Lazy: the hint and the list are built only for the problems that are shown.
  report(path, () => {
    const others = [...stepIds].filter((id) => id !== stepId);
    const hint = closest(value, [TRIGGER, ...others]);
    const listed = others.slice(0, SHOWN_IDS).map((id) => shown(id)).join(', ') + (others.length > SHOWN_IDS ? `, and ${others.length - SHOWN_IDS} more` : '');
    return `no step "${shown(value)}"${hint ? `; did you mean "${hint}"?` : ''} (use ${TRIGGER} or one of: ${listed || 'no other steps'})`;
  });
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
  else if (value.length > FUNCTION_LIMITS.eventNameLength) report(path, `${value.length} characters is over the limit of ${FUNCTION_LIMITS.eventNameLength} for an event name (FUNCTION_LIMITS.eventNameLength)`);
}

function checkCel(value: unknown, path: string, report: Report): void {
  if (typeof value !== 'string') return report(path, 'must be a CEL expression in a string');
  if (value.length > FUNCTION_LIMITS.expressionLength) {
    return report(path, `${value.length} characters is over the limit of ${FUNCTION_LIMITS.expressionLength} for an expression (FUNCTION_LIMITS.expressionLength): move the logic into a step`);
  }
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
    report(path, shown((error as Error).message, 300));
  }
}

/** The same parser the Docker driver uses, so a size accepted here is never refused at run time. */
function checkMemory(value: unknown, path: string, report: Report): void {
  try {
    if (typeof value !== 'string') throw new Error(`${preview(value)} is not a memory size: write it as 256Mi, 1Gi or 512M`);
    if (parseMemory(value) > FUNCTION_LIMITS.dockerMemoryBytes) {
      throw new Error(`${shown(value)} is over the limit of 1Ti (FUNCTION_LIMITS.dockerMemoryBytes); the stage's executors may allow less`);
    }
  } catch (error) {
    report(path, shown((error as Error).message, 300));
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
    report(path ? `${path}.${shown(key)}` : shown(key), () => {
      const hint = closest(key, allowed);
      return `unknown field${hint ? `; did you mean "${hint}"?` : ''} (fields of ${owner}: ${allowed.join(', ')})`;
    });
  }
  return value;
}

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'nothing';
  return `${typeof value} ${preview(value)}`;
}

function suggestId(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'my-function';
}

/** Names longer than this get no "did you mean": edit distance costs the product of the lengths. */
const HINT_LENGTH = 32;
/** Step ids listed in a "no step" problem. */
const SHOWN_IDS = 10;

/**
 * A collector of problems that keeps the first `FUNCTION_LIMITS.problems` and counts the rest; a
 * message may be a function, called only when its problem is kept.
 */
function collectProblems(source: string): { report: Report; count(): number; error(): ValidationError } {
  const kept: string[] = [];
  let dropped = 0;
  return {
    report(path, message) {
      if (kept.length >= FUNCTION_LIMITS.problems) {
        dropped += 1;
        return;
      }
      const text = typeof message === 'function' ? message() : message;
      kept.push(`${source}: ${path ? `${shown(path, 300)}: ` : ''}${shown(text, 1000)}`);
    },
    count: () => kept.length + dropped,
    error: () => new ValidationError(dropped === 0 ? kept : [...kept, `${source}: and ${dropped} more problems (only the first ${FUNCTION_LIMITS.problems} are listed)`]),
  };
}

/** The candidate nearest to `name` by edit distance, when near enough to be a typo; linear in the candidates (names are compared up to HINT_LENGTH characters). */
export function closest(name: string, candidates: string[]): string | undefined {
  if (name.length > HINT_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3));
  for (const candidate of candidates) {
    if (candidate.length > HINT_LENGTH) continue;
    const sameStem = name.length >= 3 && sharedPrefix(name, candidate) >= Math.min(4, name.length, candidate.length);
    // The distance is at least the difference in length: skip the table when that is too far already.
    const far = Math.abs(candidate.length - name.length) > bestDistance;
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : sameStem ? 1 : far ? Infinity : editDistance(name, candidate);
    if (distance <= bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function sharedPrefix(a: string, b: string): number {
  let length = 0;
  while (length < a.length && a[length] === b[length]) length++;
  return length;
}

/** Optimal string alignment distance: a swap of two neighbours (`nmae`) counts as one edit. Callers keep both strings short. */
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
