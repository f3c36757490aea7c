import { setOwn } from '../../core/records';
import { FormatError } from '../../core/format';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import {
  type CommitResult, type DiscoveredStep, type GraphChanges, type LeasedStepContext, type PausePlan, RUN_FORMAT, type RunMeta, type StoredRun, type StoredStep, type TimerPlan,
} from '../../core/ports/run-store';
import type { AttemptError, EdgeStatus, RunStatus, StepStatus } from '../../core/run/run';

export const encode = (value: unknown): string => JSON.stringify(value) ?? 'null';
export const decode = <T>(json: string): T => JSON.parse(json) as T;

/** The changes of a commit as the scripts read them from ARGV (lua/graph.ts `apply_changes`). */
export function changesArgs(changes: GraphChanges | undefined): string[] {
  if (!changes) return ['0', '0', '0'];
  const args: string[] = [String(changes.timers.length)];
  for (const timer of changes.timers) args.push(timer.id, encode(timer));
  args.push(String(changes.pauses.length));
  for (const pause of changes.pauses) args.push(pause.id, encode(pause));
  args.push(String(changes.edges.length));
  for (const edge of changes.edges) args.push(edge.step, String(edge.edge), edge.to, edge.async === undefined ? '' : encode(edge.async));
  return args;
}

/** Discovered steps as lua/graph.ts `add_discovered` reads them ('' for none); outputs and ops stay JSON text inside. */
export function discoveredArg(discovered: DiscoveredStep[] | undefined): string {
  if (!discovered || discovered.length === 0) return '';
  return encode(discovered.map((step) => [
    step.id, String(step.edges), step.children.map((child) => [child.step, child.edge]), step.completed ? encode(step.completed.output) : false,
    String(step.retry?.attempt ?? 0), step.retry ? String(Math.floor(step.retry.dueAt)) : false, encode(step.retry?.errors ?? []),
    step.op === undefined ? false : encode(step.op),
  ]));
}

/** A script's refusal of a run stored in another format: thrown, leaving the run as it is. */
export function checkReply(reply: unknown[], runId: string): void {
  if (reply[0] === 'format') throw new FormatError(`run ${runId}`, Number(reply[1]), RUN_FORMAT);
}

/** A list from a script's JSON reply: cjson writes an empty table as `{}`. */
const listOf = <T>(value: unknown): T[] => (Array.isArray(value) ? value as T[] : []);

/** The reply of a changing script: a refusal (`{'stale'}`, ...), or the JSON text of lua/graph.ts `committed`. */
export function decodeCommit(reply: unknown, runId: string): CommitResult {
  if (Array.isArray(reply)) {
    checkReply(reply, runId);
    if (reply[0] === 'stale' || reply[0] === 'missing') return { outcome: reply[0] };
    throw new Error(`run ${runId}: unexpected script reply ${JSON.stringify(reply)}`);
  }
  const [, status, flatReply, droppedReply, outputCount, leasedReply] = decode<[string, RunStatus, unknown, unknown, number, unknown]>(reply as string);
  const flat = listOf<string>(flatReply);
  const dropped = listOf<string>(droppedReply);
  const leased = listOf<string | false>(leasedReply);
  const scheduled = [];
  for (let i = 0; i + 2 < flat.length; i += 3) scheduled.push({ stepId: flat[i]!, attempt: Number(flat[i + 1]), dueAt: Number(flat[i + 2]) });
  return {
    outcome: 'committed',
    status,
    scheduled,
    droppedPauses: dropped.map((json) => decode<PausePlan>(json)),
    outputCount: Number(outputCount),
    ...(leased.length > 0 ? {
      leased: {
        stepId: leased[0] as string, attempt: Number(leased[1]), dueAt: Number(leased[2]),
        async: leased[3] ? decode<StepstackEvent>(leased[3]) : null,
        ...(leased[4] ? { op: decode(leased[4]) } : {}),
      },
    } : {}),
  };
}

/** Pairs `[k1, v1, k2, v2, ...]` as a null-prototype record (keys are user-chosen ids). */
function pairs(flat: string[]): Record<string, string> {
  const record = Object.create(null) as Record<string, string>;
  for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
  return record;
}

function decodeOutputs(flat: string[]): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    setOwn(outputs, flat[i]!, decode(flat[i + 1]!));
  }
  return outputs;
}

function metaOf(fields: Record<string, string | null | undefined>): RunMeta {
  return {
    id: fields.id!, functionId: fields.fn!, functionHash: fields.hash!, eventId: fields.ev!, status: fields.status as RunStatus,
    startedAt: Number(fields.started),
    ...(fields.ended ? { endedAt: Number(fields.ended) } : {}),
    ...(fields.reason ? { reason: fields.reason } : {}),
    ...(fields.rerun ? { rerunOf: fields.rerun } : {}),
  };
}

/** The leaseStep script's `leased` reply (without the definition when it was not asked for). */
export function decodeLeased(reply: unknown[], withoutDefinition = false): LeasedStepContext {
  const [, meta, outputs, definition, event, async, attempts, errors, op] = reply as [string, (string | null)[], string[], string | null, string | null, string | null, string | null, string | null, string | null];
  const [id, fn, hash, ev, status, started, rerun] = meta;
  if ((definition === null && !withoutDefinition) || event === null) throw new Error(`run ${id} has no function definition or trigger event`);
  const context: LeasedStepContext = {
    run: metaOf({ id, fn, hash, ev, status, started, rerun }),
    event: decode<StepstackEvent>(event),
    outputs: decodeOutputs(outputs),
    async: async ? decode<StepstackEvent>(async) : null,
    history: { attempts: Number(attempts ?? 0), errors: errors ? decode<AttemptError[]>(errors) : [] },
    ...(op ? { op: decode(op) } : {}),
  };
  if (withoutDefinition || definition === null) return context;
  let parsed: FunctionDefinition | undefined;
  // Parsed on first read only: the engine compiles a definition once per hash and rarely reads it again.
  return Object.defineProperty(context, 'definition', {
    enumerable: true,
    get: () => (parsed ??= decode<FunctionDefinition>(definition)),
  });
}

/**
 * Output pairs `[id, json, ...]` in the order their steps completed (end time, then id), as a Redis
 * hash keeps insertion order only while it is compact; an SDK call's ctx.stack follows this order.
 */
function inCompletionOrder(flat: string[], steps: Record<string, StoredStep>): string[] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
  const endedAt = (id: string): number => (Object.hasOwn(steps, id) ? steps[id]!.endedAt ?? 0 : 0);
  pairs.sort(([a], [b]) => endedAt(a) - endedAt(b) || (a < b ? -1 : a > b ? 1 : 0));
  return pairs.flat();
}

/** The loadRun script's reply. */
export function decodeRun(reply: unknown[], now: number): StoredRun {
  const [metaFlat, stepsFlat, outputsFlat, leasesFlat, waitsFlat, definition, event] = reply as [string[], string[], string[], string[], string[], string | null, string | null];
  const meta = pairs(metaFlat);
  if (Number(meta.format) !== RUN_FORMAT) throw new FormatError(`run ${meta.id}`, Number(meta.format), RUN_FORMAT);
  if (definition === null || event === null) throw new Error(`run ${meta.id} has no function definition or trigger event`);
  const fields = pairs(stepsFlat);
  const steps: Record<string, StoredStep> = {};
  for (const field of Object.keys(fields)) {
    if (!field.startsWith('st:')) continue;
    const id = field.slice(3);
    const edgeCount = Number(fields[`ne:${id}`] ?? 0);
    const edges: EdgeStatus[] = Array.from({ length: edgeCount }, (_, index) => (fields[`e:${id}:${index}`] as EdgeStatus | undefined) ?? 'pending');
    const due = fields[`du:${id}`];
    const ended = fields[`en:${id}`];
    const async = fields[`as:${id}`];
    const op = fields[`op:${id}`];
    setOwn<StoredStep>(steps, id, {
      status: fields[field] as StepStatus, attempt: Number(fields[`at:${id}`] ?? 0), attempts: Number(fields[`n:${id}`] ?? 0),
      errors: decode<AttemptError[]>(fields[`er:${id}`] ?? '[]'), edges, async: async ? decode<StepstackEvent>(async) : null,
      ...(due === undefined ? {} : { dueAt: Number(due) }), ...(ended === undefined ? {} : { endedAt: Number(ended) }),
      ...(op === undefined ? {} : { op: decode(op) }),
    });
  }
  const leases: Record<string, number> = {};
  const held = pairs(leasesFlat);
  for (const stepId of Object.keys(held)) {
    const until = Number(/\|(\d+)$/.exec(held[stepId]!)?.[1]);
    if (until > now) setOwn(leases, stepId, until);
  }
  const waits = pairs(waitsFlat);
  const timers: TimerPlan[] = [];
  const pauses: PausePlan[] = [];
  for (const field of Object.keys(waits)) {
    if (field.startsWith('t:')) timers.push(decode<TimerPlan>(waits[field]!));
    else if (field.startsWith('p:')) pauses.push(decode<PausePlan>(waits[field]!));
  }
  let parsed: FunctionDefinition | undefined;
  return {
    ...metaOf(meta),
    event: decode<StepstackEvent>(event),
    steps,
    outputs: decodeOutputs(inCompletionOrder(outputsFlat, steps)),
    timers,
    pauses,
    leases,
    get definition() {
      parsed ??= decode<FunctionDefinition>(definition);
      return parsed;
    },
  };
}
