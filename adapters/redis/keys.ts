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
}

export interface FunctionKeys {
  /** Hash: function id to JSON definition. */
  registry: string;
  /** A counter that grows on every change of the registry. */
  version: string;
}

/** The keys of a store under `prefix`. */
export function keysFor(prefix: string): Keys {
  if (!prefix || /[{}]/.test(prefix)) throw new Error(`keyPrefix '${prefix}' is invalid: use a non-empty prefix without braces`);
  return {
    run(runId) {
      const tag = `${prefix}:{r:${runId}}`;
      const keys = { meta: `${tag}:m`, steps: `${tag}:s`, outputs: `${tag}:o`, leases: `${tag}:l`, waits: `${tag}:w`, definition: `${tag}:fn`, trigger: `${tag}:ev` };
      return { ...keys, all: [keys.meta, keys.steps, keys.outputs, keys.leases, keys.waits, keys.definition, keys.trigger] };
    },
    dead: { records: `${prefix}:{dead}`, byTime: `${prefix}:{dead}:t` },
    event(eventId) {
      const tag = `${prefix}:{e:${eventId}}`;
      return { event: tag, runs: `${tag}:runs` };
    },
    claim: (key) => `${prefix}:{k:${key}}`,
    functions: { registry: `${prefix}:{fns}`, version: `${prefix}:{fns}:ver` },
  };
}
