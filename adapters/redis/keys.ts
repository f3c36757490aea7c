/**
 * Key names. The part in braces is the Redis Cluster hash tag: every key one script touches shares
 * it, so that each script works on one slot. A prefix must not contain braces, or it would become the tag.
 */
export interface Keys {
  run(runId: string): RunKeys;
  /** Pause records (hash: pause id to JSON) of one event name. */
  pauses(eventName: string): string;
  event(eventId: string): EventKeys;
  /** An idempotency key. */
  claim(key: string): string;
  functions: FunctionKeys;
}

export interface RunKeys {
  /** The run document (JSON RunDoc). */
  doc: string;
  /** The stored version, the compare-and-set guard of commits (kept apart so that no script decodes the doc). */
  version: string;
  /** Hash: step id to JSON output. */
  outputs: string;
  /** The function definition (JSON) the run started with. */
  definition: string;
  /** Hash: step id to `owner|untilMs`. */
  leases: string;
  /** The event that started the run (JSON), written once: commits rewrite the doc, not the event. */
  trigger: string;
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
      return { doc: `${tag}:doc`, version: `${tag}:ver`, outputs: `${tag}:out`, definition: `${tag}:fn`, leases: `${tag}:lease`, trigger: `${tag}:evt` };
    },
    pauses: (eventName) => `${prefix}:{p:${eventName}}`,
    event(eventId) {
      const tag = `${prefix}:{e:${eventId}}`;
      return { event: tag, runs: `${tag}:runs` };
    },
    claim: (key) => `${prefix}:{k:${key}}`,
    functions: { registry: `${prefix}:{fns}`, version: `${prefix}:{fns}:ver` },
  };
}
