import type { Expression } from '../expressions/expression';
import type { FunctionDefinition, Runtime } from './definition';

/** A validated function made ready to schedule: durations in ms, CEL parsed, the graph indexed. */
export interface CompiledFunction {
  id: string;
  name: string;
  definition: FunctionDefinition;
  /** Stable hash of the definition, so runs can tell which version they started on. */
  hash: string;
  eventTriggers: { event: string; expression?: Expression }[];
  cronTriggers: { cron: string }[];
  cancel: CompiledCancelRule[];
  steps: Map<string, CompiledStep>;
  /** Step ids in topological order (parents before children). */
  order: string[];
  /** The edges that leave `$trigger`. */
  triggerEdges: EdgeRef[];
}

export interface CompiledCancelRule {
  event: string;
  if?: Expression;
  timeoutMs?: number;
}

export interface CompiledStep {
  id: string;
  name: string;
  runtime: Runtime;
  /** The runtime's timeout, with its default applied. */
  timeoutMs: number;
  /** Retries after the first try (the step's own, else the function's, else 3). */
  retries: number;
  /** The step's `after` entries, in file order; an edge's index is its position here. */
  after: CompiledEdge[];
  /** The edges that leave this step. */
  children: EdgeRef[];
}

export interface CompiledEdge {
  /** A step id, or `$trigger`. */
  parent: string;
  if?: Expression;
  waitMs?: number;
  async?: { event: string; match?: Expression; ttlMs: number; onTimeout: boolean };
}

/** Points at one `after` entry of a step. */
export interface EdgeRef {
  step: string;
  edge: number;
}
