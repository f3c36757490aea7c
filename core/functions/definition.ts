import type { FlowControl } from './flow-definition';

/**
 * A function as its author writes it (a `functions/*.yaml|json` file or a `PUT /v1/functions/{id}`
 * body), after validation. Durations stay as written (`10m`); the compiled form parses them.
 */
export interface FunctionDefinition extends FlowControl {
  /** Unique, `[a-z0-9-]`. */
  id: string;
  name: string;
  triggers: Trigger[];
  /** Retries after the first try, for every step that sets none. @default { attempts: 3 } */
  retries?: RetryPolicy;
  cancel?: CancelRule[];
  steps: Record<string, StepDefinition>;
}

export type Trigger = EventTrigger | CronTrigger;

export interface EventTrigger {
  event: string;
  /** CEL over `event`; the run starts only when it is true. */
  expression?: string;
}

export interface CronTrigger {
  /** Five-field cron, UTC. */
  cron: string;
}

export interface RetryPolicy {
  /** Retries after the first try: 0..20. @default 3 */
  attempts: number;
}

export interface CancelRule {
  event: string;
  /** CEL over `event` (the run's trigger) and `async` (the cancelling event). */
  if?: string;
  /** How long after the run started the rule stays armed. @default the retention period */
  timeout?: string;
}

export type Runtime = HttpRuntime | DockerRuntime | InngestRuntime;

/** A function written with the Inngest SDK, served by its app (SPEC section 4): `url` is the SDK's own step URL (`?fnId=...&stepId=step`). */
export interface InngestRuntime {
  type: 'inngest';
  url: string;
  /** Each call of the app. @default "5m" */
  timeout?: string;
}

export interface HttpRuntime {
  type: 'http';
  url: string;
  /** @default "5m" */
  timeout?: string;
}

export interface DockerRuntime {
  type: 'docker';
  image: string;
  /** @default "15m" */
  timeout?: string;
  /** e.g. `256Mi`, `1Gi`. @default the stage's default */
  memory?: string;
  /** e.g. 0.5. @default the stage's default */
  cpus?: number;
  /** Overrides the image's entrypoint. */
  entrypoint?: string[];
  /** Environment variables for the container. */
  env?: Record<string, string>;
}

export interface StepDefinition {
  name?: string;
  runtime: Runtime;
  retries?: RetryPolicy;
  after: Edge[];
}

/** `$trigger` as an edge's `step` means "when the run starts". */
export const TRIGGER = '$trigger';

export interface Edge {
  step: string;
  /** CEL; the edge fires only when it is true. */
  if?: string;
  /** Delay between the parent's completion and the edge firing. */
  wait?: string;
  async?: AsyncEdge;
}

export interface AsyncEdge {
  event: string;
  /** CEL over `event`, `steps` and `async` (the candidate event). */
  match?: string;
  ttl: string;
  /** Fire the edge (with `async = null`) when the ttl passes. @default false */
  onTimeout?: boolean;
}
