import { TRIGGER } from './definition';
import { FUNCTION_LIMITS } from './limits';
import { shown } from './shown';

/** Records a `path: message` problem; a message given as a function is built only if the problem is kept. */
export type Report = (path: string, message: string | (() => string)) => void;

/** Steps named in one cycle or blocker list. */
const SHOWN_STEPS = 10;

/**
 * The graph rules that need every step at once: no cycles (named `a -> b -> a`), and every step can
 * run. A step runs once all its parents ran, so one that waits on a cycle could never run either.
 * Edges to missing steps or to the step itself were reported already and are ignored here.
 * Linear in steps plus edges, and iterative: a chain of any length is checked without recursion.
 */
export function checkGraph(steps: ReadonlyMap<string, Record<string, unknown>>, report: Report): void {
  const parents = new Map<string, string[]>();
  for (const [id, step] of steps) {
    const after = Array.isArray(step.after) ? (step.after as unknown[]) : [];
    const valid = after
      .map((edge) => (typeof edge === 'object' && edge !== null ? (edge as { step?: unknown }).step : undefined))
      .filter((parent): parent is string => typeof parent === 'string' && parent !== id && (parent === TRIGGER || steps.has(parent)));
    if (valid.length > 0) parents.set(id, [...new Set(valid)]);
  }
  const cycles = findCycles(parents, FUNCTION_LIMITS.problems);
  for (const cycle of cycles) {
    report(`steps.${shown(cycle[0] as string)}.after`, () => `cycle ${namesOf(cycle, ' -> ', cycle.length - 1)}: these steps wait for each other and would never run; remove one of these edges`);
  }
  const inCycle = new Set(cycles.flat());
  const runnable = runnableSteps(parents);
  for (const [id, of] of parents) {
    if (runnable.has(id) || inCycle.has(id)) continue;
    report(`steps.${shown(id)}.after`, () => {
      const blockers = of.filter((parent) => parent !== TRIGGER && !runnable.has(parent)).map((blocker) => `"${blocker}"`);
      return `this step can never run: it waits for ${namesOf(blockers, ', ')}, which can never run because of a cycle; break the cycle, or make this step wait for ${TRIGGER} or another step`;
    });
  }
}

function namesOf(names: string[], separator: string, steps = names.length): string {
  const listed = names.slice(0, SHOWN_STEPS).map((name) => shown(name)).join(separator);
  return names.length > SHOWN_STEPS ? `${listed}${separator}... (${steps} steps)` : listed;
}

/** Steps whose parents can all run, starting from `$trigger` (Kahn's algorithm: each edge counted once). */
function runnableSteps(parents: Map<string, string[]>): Set<string> {
  const children = childrenOf(parents);
  const waiting = new Map<string, number>();
  for (const [id, of] of parents) waiting.set(id, of.length);
  const runnable = new Set<string>();
  const ready = [TRIGGER];
  for (let parent = ready.pop(); parent !== undefined; parent = ready.pop()) {
    for (const child of children.get(parent) ?? []) {
      const left = (waiting.get(child) as number) - 1;
      waiting.set(child, left);
      if (left === 0) {
        runnable.add(child);
        ready.push(child);
      }
    }
  }
  return runnable;
}

function childrenOf(parents: Map<string, string[]>): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const [id, of] of parents) {
    for (const parent of of) {
      const list = children.get(parent);
      if (list) list.push(id);
      else children.set(parent, [id]);
    }
  }
  return children;
}

/**
 * Up to `limit` cycles, each once, in run order (parent first), found by a depth-first walk in file
 * order with an explicit stack.
 */
function findCycles(parents: Map<string, string[]>, limit: number): string[][] {
  const children = childrenOf(parents);
  const done = new Set<string>();
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  for (const root of parents.keys()) {
    if (done.has(root)) continue;
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    onPath.set(root, 0);
    path.push(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { id: string; next: number };
      const child = children.get(frame.id)?.[frame.next];
      frame.next += 1;
      if (child === undefined) {
        stack.pop();
        path.pop();
        onPath.delete(frame.id);
        done.add(frame.id);
        continue;
      }
      const at = onPath.get(child);
      if (at !== undefined) {
        if (cycles.length >= limit) continue;
        const cycle = path.slice(at);
        const key = [...cycle].sort().join('\n');
        if (!seen.has(key)) cycles.push([...cycle, child]);
        seen.add(key);
      } else if (!done.has(child)) {
        onPath.set(child, path.length);
        path.push(child);
        stack.push({ id: child, next: 0 });
      }
    }
  }
  return cycles;
}
