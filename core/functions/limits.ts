/**
 * Bounds on a function definition, so that registering one (from a file or `PUT /v1/functions/{id}`)
 * costs time and memory in proportion to its size, whatever its content. Each is named in the error.
 */
export const FUNCTION_LIMITS = {
  /** Characters in a function id or a step id. */
  idLength: 128,
  /** Characters in a function's or a step's `name`. */
  nameLength: 256,
  /** Steps in one function (Inngest's own cap on a function's steps is 1,000). */
  steps: 1000,
  /** Entries in one step's `after` list. */
  edgesPerStep: 100,
  /** Entries in `triggers`, and in `cancel`. */
  triggers: 10,
  cancelRules: 10,
  /** Characters in one CEL expression (a trigger's `expression`, an edge's `if`, `match`, a cancel rule's `if`). */
  expressionLength: 2048,
  /** Characters in an event name a function names. */
  eventNameLength: 256,
  /** Variables in one Docker step's `env`. */
  envVariables: 256,
  /**
   * The most memory (bytes) and CPUs a Docker step may ask for, whatever the stage; each stage's
   * executor enforces its own, lower maximums when the step runs.
   */
  dockerMemoryBytes: 2 ** 40,
  dockerCpus: 256,
  /** Problems listed in one error (the rest are counted). */
  problems: 20,
} as const;

/**
 * Names refused as step ids, function ids and any other user-chosen key: as keys of plain objects
 * they reach or shadow `Object.prototype` (a step `__proto__` once broke every run of its function).
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
