import { TRIGGER } from './definition';

/** Records a `path: message` problem. */
export type Report = (path: string, message: string) => void;

/**
 * The graph rules that need every step at once: no cycles (named `a -> b -> a`), and every step can
 * run. A step runs once all its parents ran, so one that waits on a cycle could never run either.
 * Edges to missing steps or to the step itself were reported already and are ignored here.
 */
export function checkGraph(steps: Record<string, Record<string, unknown>>, report: Report): void {
  const parents = new Map<string, string[]>();
  for (const [id, step] of Object.entries(steps)) {
    const after = Array.isArray(step.after) ? (step.after as unknown[]) : [];
    const valid = after
      .map((edge) => (typeof edge === 'object' && edge !== null ? (edge as { step?: unknown }).step : undefined))
      .filter((parent): parent is string => typeof parent === 'string' && parent !== id && (parent === TRIGGER || parent in steps));
    if (valid.length > 0) parents.set(id, [...new Set(valid)]);
  }
  const cycles = findCycles(parents);
  for (const cycle of cycles) {
    report(`steps.${cycle[0]}.after`, `cycle ${cycle.join(' -> ')}: these steps wait for each other and would never run; remove one of these edges`);
  }
  const inCycle = new Set(cycles.flat());
  const runnable = runnableSteps(parents);
  for (const id of parents.keys()) {
    if (runnable.has(id) || inCycle.has(id)) continue;
    const blockers = (parents.get(id) ?? []).filter((parent) => parent !== TRIGGER && !runnable.has(parent));
    const names = blockers.map((blocker) => `"${blocker}"`).join(', ');
    report(`steps.${id}.after`, `this step can never run: it waits for ${names}, which can never run because of a cycle; break the cycle, or make this step wait for ${TRIGGER} or another step`);
  }
}

/** Steps whose parents can all run, starting from `$trigger`. */
function runnableSteps(parents: Map<string, string[]>): Set<string> {
  const runnable = new Set<string>([TRIGGER]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, of] of parents) {
      if (!runnable.has(id) && of.every((parent) => runnable.has(parent))) {
        runnable.add(id);
        grew = true;
      }
    }
  }
  runnable.delete(TRIGGER);
  return runnable;
}

/** Each cycle once, in run order (parent first), starting at its first step in file order. */
function findCycles(parents: Map<string, string[]>): string[][] {
  const children = new Map<string, string[]>();
  for (const [id, of] of parents) for (const parent of of) children.set(parent, [...(children.get(parent) ?? []), id]);
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    path.push(id);
    for (const child of children.get(id) ?? []) {
      if (state.get(child) === 'visiting') {
        const cycle = path.slice(path.indexOf(child));
        const key = [...cycle].sort().join('\n');
        if (!seen.has(key)) cycles.push([...cycle, child]);
        seen.add(key);
      } else if (!state.has(child)) {
        visit(child);
      }
    }
    path.pop();
    state.set(id, 'done');
  };
  for (const id of parents.keys()) if (!state.has(id)) visit(id);
  return cycles;
}
