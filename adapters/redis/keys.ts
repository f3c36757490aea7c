/**
 * Key names. The part in braces is the Redis Cluster hash tag: every key one script touches shares
 * it, so that each script works on one slot. A prefix must not contain braces, or it would become the tag.
 */
export interface Keys {
  run(runId: string): RunKeys;
  /** Dead events: a hash (id to record) and a sorted set by dead time, in one slot. */
  dead: { records: string; byTime: string };
  event(eventId: string): EventKeys;
  /** An idempotency key. */
  claim(key: string): string;
  functions: FunctionKeys;
}

export interface RunKeys {
  /** Hash: the run's own fields (format, status, counters). */
  meta: string;
  /** Hash: every step's fields (see lua/graph.ts). */
  steps: string;
  /** Hash: step id to JSON output. */
  outputs: string;
  /** Hash: step id to `owner|untilMs`. */
  leases: string;
  /** Hash: the run's timers (`t:<id>`) and pauses (`p:<id>`), as JSON plans. */
  waits: string;
  /** The function definition (JSON) the run started with. */
  definition: string;
  /** The event that started the run (JSON), written once. */
  trigger: string;
  /** Every key above, in the order the 7-key scripts take them. */
  all: string[];
}

export interface EventKeys {
  /** The event (JSON). */
  event: string;
  /** List of the ids of the runs the event started, oldest first. */
  runs: string;
  /** A claim of a run the event starts (claimRun): in the event's slot, so that one script claims and links. */
  runClaim(key: string): string;
}

export interface FunctionKeys {
  /** Hash: function id to JSON definition. */
  registry: string;
  /** A counter that grows on every change of the registry. */
  version: string;
}

/**
 * Runs whose key names are kept: every call of a step (lease, commit) names its run's keys again, and
 * building seven strings and two objects each time was a kilobyte of garbage per chained step.
 */
const KEPT_RUNS = 4096;

/** The keys of a store under `prefix`. */
export function keysFor(prefix: string): Keys {
  if (!prefix || /[{}]/.test(prefix)) throw new Error(`keyPrefix '${prefix}' is invalid: use a non-empty prefix without braces`);
  const kept = new Map<string, RunKeys>();
  const runKeys = (runId: string): RunKeys => {
    const tag = `${prefix}:{r:${runId}}`;
    const keys = { meta: `${tag}:m`, steps: `${tag}:s`, outputs: `${tag}:o`, leases: `${tag}:l`, waits: `${tag}:w`, definition: `${tag}:fn`, trigger: `${tag}:ev` };
    // Frozen: callers share them.
    return Object.freeze({ ...keys, all: Object.freeze([keys.meta, keys.steps, keys.outputs, keys.leases, keys.waits, keys.definition, keys.trigger]) as string[] });
  };
  return {
    run(runId) {
      let keys = kept.get(runId);
      if (keys === undefined) {
        keys = runKeys(runId);
        // The oldest out first (a Map iterates in insertion order).
        if (kept.size >= KEPT_RUNS) kept.delete(kept.keys().next().value!);
        kept.set(runId, keys);
      }
      return keys;
    },
    dead: { records: `${prefix}:{dead}`, byTime: `${prefix}:{dead}:t` },
    event(eventId) {
      const tag = `${prefix}:{e:${eventId}}`;
      return { event: tag, runs: `${tag}:runs`, runClaim: (key) => `${tag}:k:${key}` };
    },
    claim: (key) => `${prefix}:{k:${key}}`,
    functions: { registry: `${prefix}:{fns}`, version: `${prefix}:{fns}:ver` },
  };
}
