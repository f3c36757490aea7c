import { setOwn } from '../../core/records';
import { jsonOf } from '../../core/run/step-input-json';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import { FormatError } from '../../core/format';
import {
  RUN_FORMAT,
  type AttemptCommit, type CommitResult, type DiscoveredStep, type GraphChanges, type LeaseRequest, type LeaseResult, type LeasedStepContext, type NewRun, type PauseResume, type RunEnd,
  type RunStore, type StoredRun, type TimerFire,
} from '../../core/ports/run-store';
import type { AttemptError } from '../../core/run/run';
import { type ChangeLog, type MemoryRun, type MemoryStep, completeIfDone, endRun, resolveEdge } from './run-graph';
import { ExpiringMap } from './state-expiring-map';

/** Values are kept as JSON, as Redis keeps them: callers can never share an object with the store. */
const encode = (value: unknown): string => JSON.stringify(value) ?? 'null';
const decode = <T>(json: string): T => JSON.parse(json) as T;

/**
 * Runs in this process, step by step, with the same rules as the Redis store. Every method runs to
 * its end without awaiting, so each is atomic; everything is encoded before anything is written.
 */
export class MemoryRunStore implements RunStore {
  private readonly runs = new ExpiringMap<string, MemoryRun>();

  constructor(
    /** The time now; throws once the store is closed. */
    private readonly open: () => number,
    private readonly retentionMs: number,
  ) {}

  sweep(now: number): void {
    this.runs.sweep(now);
  }

  /** Rewrite a run's format version (tests of the refusal of unknown formats). */
  writeFormat(runId: string, format: number): void {
    const run = this.runs.get(runId, this.open());
    if (run) run.format = format;
  }

  /** A live run, refused when it was written in another format. */
  private read(runId: string, now: number): MemoryRun | undefined {
    const run = this.runs.get(runId, now);
    if (run && run.format !== RUN_FORMAT) throw new FormatError(`run ${runId}`, run.format, RUN_FORMAT);
    return run;
  }

  async createRun(init: NewRun): Promise<CommitResult | { outcome: 'exists' }> {
    const now = this.open();
    if (this.runs.get(init.id, now)) return { outcome: 'exists' };
    const event = encode(init.event);
    const definition = encode(init.definition);
    const asyncs = encodeAsyncs(init.changes);
    const steps = new Map<string, MemoryStep>();
    for (const step of init.topology) {
      steps.set(step.id, {
        status: 'Pending', attempt: 0, attempts: 0, errors: '[]', edges: Array.from({ length: step.edges }, () => 'pending'),
        unresolved: step.edges, fired: 0, waiting: 0, async: null, children: step.children.map((child) => ({ ...child })),
      });
    }
    const run: MemoryRun = {
      format: RUN_FORMAT,
      meta: {
        id: init.id, functionId: init.functionId, functionHash: init.functionHash, eventId: init.event.id, status: 'Running', startedAt: init.now,
        ...(init.rerunOf === undefined ? {} : { rerunOf: init.rerunOf }),
      },
      open: steps.size, outputBytes: 0, event, definition, steps, outputs: new Map(), timers: new Map(), pauses: new Map(), leases: new Map(),
    };
    const log: ChangeLog = { scheduled: [], droppedPauses: [] };
    applyChanges(run, init.changes, asyncs, init.now, log);
    completeIfDone(run, init.now, log);
    this.runs.set(init.id, run, now + this.retentionMs);
    return committed(run, log);
  }

  async loadRun(runId: string): Promise<StoredRun | undefined> {
    const now = this.open();
    const run = this.read(runId, now);
    if (!run) return undefined;
    const steps: StoredRun['steps'] = Object.fromEntries([...run.steps].map(([id, step]) => [id, {
      status: step.status, attempt: step.attempt, attempts: step.attempts, errors: decode<AttemptError[]>(step.errors), edges: [...step.edges],
      async: step.async === null ? null : decode<StepstackEvent>(step.async),
      ...(step.dueAt === undefined ? {} : { dueAt: step.dueAt }), ...(step.endedAt === undefined ? {} : { endedAt: step.endedAt }),
      ...(step.op === undefined ? {} : { op: decode(step.op) }),
    }]));
    return {
      ...structuredClone(run.meta),
      event: decode<StepstackEvent>(run.event),
      definition: decode<FunctionDefinition>(run.definition),
      steps,
      outputs: Object.fromEntries([...run.outputs].map(([id, json]) => [id, decode(json)])),
      timers: structuredClone([...run.timers.values()]),
      pauses: structuredClone([...run.pauses.values()]),
      leases: Object.fromEntries([...run.leases].filter(([, held]) => held.until > now).map(([id, held]) => [id, held.until])),
    };
  }

  async leaseStep(lease: LeaseRequest): Promise<LeaseResult> {
    const run = this.read(lease.runId, this.open());
    if (!run) return { status: 'missing' };
    const step = run.steps.get(lease.stepId);
    if (run.meta.status !== 'Running' || step?.status !== 'Scheduled' || step.attempt !== lease.attempt) return { status: 'closed' };
    const held = run.leases.get(lease.stepId);
    if (held && held.owner !== lease.owner && held.until > lease.now) return { status: 'busy', until: held.until };
    run.leases.set(lease.stepId, { owner: lease.owner, until: lease.now + lease.leaseMs });
    const outputs = outputsOf(run, lease.inputs ?? [...run.outputs.keys()]);
    const { definition } = run;
    const context: LeasedStepContext = {
      run: structuredClone(run.meta), event: decode<StepstackEvent>(run.event), outputs,
      async: step.async === null ? null : decode<StepstackEvent>(step.async),
      history: { attempts: step.attempts, errors: decode<AttemptError[]>(step.errors) },
      ...(step.op === undefined ? {} : { op: decode(step.op) }),
    };
    if (!lease.withoutDefinition) Object.defineProperty(context, 'definition', { enumerable: true, get: () => decode<FunctionDefinition>(definition) });
    return { status: 'leased', step: context };
  }

  async renewLease(lease: LeaseRequest): Promise<'renewed' | 'lost' | 'ended'> {
    const run = this.read(lease.runId, this.open());
    const step = run?.steps.get(lease.stepId);
    if (!run || run.meta.status !== 'Running' || step?.status !== 'Scheduled' || step.attempt !== lease.attempt) {
      if (run?.leases.get(lease.stepId)?.owner === lease.owner) run.leases.delete(lease.stepId);
      return 'ended';
    }
    const held = run.leases.get(lease.stepId);
    if (!held || held.owner !== lease.owner || held.until <= lease.now) return 'lost';
    held.until = lease.now + lease.leaseMs;
    return 'renewed';
  }

  async releaseLease(runId: string, stepId: string, owner: string): Promise<void> {
    const run = this.read(runId, this.open());
    if (run?.leases.get(stepId)?.owner === owner) run.leases.delete(stepId);
  }

  async readOutputs(runId: string, stepIds: string[]): Promise<Record<string, unknown>> {
    const run = this.read(runId, this.open());
    return run ? outputsOf(run, stepIds) : {};
  }

  async commitAttempt(commit: AttemptCommit): Promise<CommitResult> {
    const now = this.open();
    const run = this.read(commit.runId, now);
    if (!run) return { outcome: 'missing' };
    const step = run.steps.get(commit.stepId);
    if (run.meta.status !== 'Running' || step?.status !== 'Scheduled' || step.attempt !== commit.attempt) return { outcome: 'stale' };
    // Encode first: nothing is written when any part cannot be encoded.
    const errors = encode(commit.errors);
    // The planner's JSON of the output, which the executor also hands to the next step's input; made here for callers without one.
    const output = commit.result.kind === 'completed' ? (commit.result.json ?? jsonOf(commit.result.output)) : undefined;
    const asyncs = commit.changes ? encodeAsyncs(commit.changes) : [];
    const discovered = commit.result.kind === 'completed' ? encodeDiscovered(run, commit.discovered ?? []) : [];
    const log: ChangeLog = { scheduled: [], droppedPauses: [] };
    step.attempts = commit.attempts;
    step.errors = errors;
    let { result } = commit;
    const size = (output === undefined ? 0 : Buffer.byteLength(output)) + discovered.reduce((sum, found) => sum + (found.output === undefined ? 0 : Buffer.byteLength(found.output)), 0);
    if (result.kind === 'completed' && commit.outputCap && run.outputBytes + size > commit.outputCap) {
      result = {
        kind: 'failed',
        reason: `step '${commit.stepId}' failed for good: its output of ${size} bytes would bring the run's stored outputs to ${run.outputBytes + size} bytes, over the cap of ${commit.outputCap} bytes (RUN_OUTPUT_CAP)`,
      };
    }
    if (result.kind === 'completed') {
      run.outputs.set(commit.stepId, output!);
      run.outputBytes += size;
      step.status = 'Completed';
      step.endedAt = commit.now;
      delete step.dueAt;
      run.open -= 1;
      addDiscovered(run, discovered, commit.now, log);
      if (commit.changes) applyChanges(run, commit.changes, asyncs, commit.now, log);
      completeIfDone(run, commit.now, log);
    } else if (result.kind === 'retry') {
      step.attempt = commit.attempt + 1;
      step.dueAt = result.retryAt;
      log.scheduled.push({ stepId: commit.stepId, attempt: step.attempt, dueAt: result.retryAt });
    } else {
      step.status = 'Failed';
      step.endedAt = commit.now;
      endRun(run, 'Failed', commit.now, log, result.reason);
    }
    if (commit.release && run.leases.get(commit.stepId)?.owner === commit.release.owner) run.leases.delete(commit.stepId);
    const leased = this.leaseNext(run, commit, log);
    this.runs.touch(commit.runId, now + this.retentionMs, now);
    return { ...committed(run, log), ...(leased ? { leased } : {}) };
  }

  async fireTimer(change: TimerFire): Promise<CommitResult> {
    const now = this.open();
    const run = this.read(change.runId, now);
    if (!run) return { outcome: 'missing' };
    const timer = run.timers.get(change.timerId);
    if (run.meta.status !== 'Running' || !timer) return { outcome: 'stale' };
    const log: ChangeLog = { scheduled: [], droppedPauses: [] };
    run.timers.delete(change.timerId);
    if (timer.endsPause !== undefined) {
      const pause = run.pauses.get(timer.endsPause);
      if (pause) log.droppedPauses.push(pause);
      run.pauses.delete(timer.endsPause);
    }
    resolveEdge(run, timer.resolve, change.now, log);
    completeIfDone(run, change.now, log);
    this.runs.touch(change.runId, now + this.retentionMs, now);
    return committed(run, log);
  }

  async resumePause(change: PauseResume): Promise<CommitResult> {
    const now = this.open();
    const run = this.read(change.runId, now);
    if (!run) return { outcome: 'missing' };
    const pause = run.pauses.get(change.pauseId);
    if (run.meta.status !== 'Running' || !pause) return { outcome: 'stale' };
    const asyncJson = encode(change.event);
    const log: ChangeLog = { scheduled: [], droppedPauses: [pause] };
    run.pauses.delete(change.pauseId);
    if (pause.kind === 'cancel') {
      endRun(run, 'Cancelled', change.now, log, `cancelled by event '${change.event.name}' (${change.event.id})`);
    } else if (pause.edge) {
      if (pause.ttlTimer !== undefined) run.timers.delete(pause.ttlTimer);
      resolveEdge(run, { ...pause.edge, to: 'fired' }, change.now, log, asyncJson);
      completeIfDone(run, change.now, log);
    }
    this.runs.touch(change.runId, now + this.retentionMs, now);
    return committed(run, log);
  }

  async endRun(change: RunEnd): Promise<CommitResult> {
    const now = this.open();
    const run = this.read(change.runId, now);
    if (!run) return { outcome: 'missing' };
    if (run.meta.status !== 'Running') return { outcome: 'stale' };
    const log: ChangeLog = { scheduled: [], droppedPauses: [] };
    endRun(run, change.status, change.now, log, change.reason);
    this.runs.touch(change.runId, now + this.retentionMs, now);
    return committed(run, log);
  }

  /** The first step this commit scheduled that is due, leased to the committing executor instead of enqueued. */
  private leaseNext(run: MemoryRun, commit: AttemptCommit, log: ChangeLog) {
    if (!commit.leaseNext || run.meta.status !== 'Running') return undefined;
    const index = log.scheduled.findIndex((step) => step.attempt === 0 && step.dueAt <= commit.now);
    if (index < 0) return undefined;
    const [next] = log.scheduled.splice(index, 1);
    run.leases.set(next!.stepId, { owner: commit.leaseNext.owner, until: commit.leaseNext.until });
    const leased = run.steps.get(next!.stepId);
    const json = leased?.async ?? null;
    return { ...next!, async: json === null ? null : decode<StepstackEvent>(json), ...(leased?.op === undefined ? {} : { op: decode(leased.op) }) };
  }
}

/** The outputs of some steps of a run, decoded (absent ones left out). */
function outputsOf(run: MemoryRun, stepIds: string[]): Record<string, unknown> {
  const outputs: Record<string, unknown> = {};
  for (const id of stepIds) {
    const json = run.outputs.get(id);
    if (json !== undefined) setOwn(outputs, id, decode(json));
  }
  return outputs;
}

/** A discovered step, encoded (steps the run has already are left out: a discovery never replaces a step). */
interface EncodedDiscovery {
  found: DiscoveredStep;
  output?: string;
  op?: string;
  errors: string;
}

function encodeDiscovered(run: MemoryRun, found: DiscoveredStep[]): EncodedDiscovery[] {
  return found.filter((step) => !run.steps.has(step.id)).map((step) => ({
    found: step,
    ...(step.completed ? { output: encode(step.completed.output) } : {}),
    ...(step.op === undefined ? {} : { op: encode(step.op) }),
    errors: encode(step.retry?.errors ?? []),
  }));
}

/** Add discovered steps: completed ones with their output, edgeless ones scheduled, the others pending on their edges. */
function addDiscovered(run: MemoryRun, discovered: EncodedDiscovery[], now: number, log: ChangeLog): void {
  for (const { found, output, op, errors } of discovered) {
    const step: MemoryStep = {
      status: 'Pending', attempt: 0, attempts: found.retry?.attempt ?? 0, errors, edges: Array.from({ length: found.edges }, () => 'pending'),
      unresolved: found.edges, fired: 0, waiting: 0, async: null, children: found.children.map((child) => ({ ...child })),
      ...(op === undefined ? {} : { op }),
    };
    run.steps.set(found.id, step);
    if (output !== undefined) {
      step.status = 'Completed';
      step.attempts = 1;
      step.endedAt = now;
      run.outputs.set(found.id, output);
      run.outputBytes += Buffer.byteLength(output);
      continue;
    }
    run.open += 1;
    if (found.edges > 0) continue;
    step.status = 'Scheduled';
    step.attempt = found.retry?.attempt ?? 0;
    step.dueAt = found.retry?.dueAt ?? now;
    log.scheduled.push({ stepId: found.id, attempt: step.attempt, dueAt: step.dueAt });
  }
}

function encodeAsyncs(changes: GraphChanges): (string | undefined)[] {
  return changes.edges.map((update) => (update.async === undefined ? undefined : encode(update.async)));
}

/** Timers and pauses first (an edge may resolve at once only after they are armed), then the edges. */
function applyChanges(run: MemoryRun, changes: GraphChanges, asyncs: (string | undefined)[], now: number, log: ChangeLog): void {
  for (const timer of changes.timers) run.timers.set(timer.id, structuredClone(timer));
  for (const pause of changes.pauses) run.pauses.set(pause.id, structuredClone(pause));
  changes.edges.forEach((update, index) => resolveEdge(run, { step: update.step, edge: update.edge, to: update.to }, now, log, asyncs[index]));
}

function committed(run: MemoryRun, log: ChangeLog): CommitResult {
  return { outcome: 'committed', status: run.meta.status, scheduled: log.scheduled, droppedPauses: log.droppedPauses, outputCount: run.outputs.size };
}
