import type { CompiledFunction } from '../functions/compiled';
import type { PauseRecord } from '../ports/state';
import { type Effects, noEffects } from './effects';
import type { RunDoc, RunSnapshot, StepRecord } from './run';

/**
 * A working copy of a run that a transition edits: the next version of the document, the outputs to
 * save and the effects to carry out once it is committed.
 */
export class RunDraft {
  readonly doc: RunDoc;
  /** All outputs as the run will know them (stored ones and new ones). */
  readonly outputs: Record<string, unknown>;
  /** Only the outputs this transition adds. */
  readonly newOutputs: Record<string, unknown> = {};
  readonly effects: Effects = noEffects();

  /** Steps already copied into this draft (copy on write: a transition touches few of them). */
  private readonly copiedSteps = new Set<string>();

  constructor(
    snapshot: RunSnapshot,
    readonly fn: CompiledFunction,
    readonly now: number,
  ) {
    // Shallow copies down to the records a transition replaces; step records are copied when first
    // written (see step()), so the snapshot itself is never changed.
    const { doc } = snapshot;
    this.doc = { ...doc, version: doc.version + 1, steps: { ...doc.steps }, pauses: { ...doc.pauses }, timers: { ...doc.timers } };
    this.outputs = { ...snapshot.outputs };
  }

  /** A step's record, to change: copied into the draft on first use. */
  step(stepId: string): StepRecord {
    const record = this.doc.steps[stepId];
    if (!record) throw new Error(`run ${this.doc.id} has no step '${stepId}'`);
    if (this.copiedSteps.has(stepId)) return record;
    const copy: StepRecord = { ...record, edges: [...record.edges], errors: [...record.errors] };
    this.doc.steps[stepId] = copy;
    this.copiedSteps.add(stepId);
    return copy;
  }

  /** A step's record, to read only. */
  peek(stepId: string): Readonly<StepRecord> {
    const record = this.doc.steps[stepId];
    if (!record) throw new Error(`run ${this.doc.id} has no step '${stepId}'`);
    return record;
  }

  saveOutput(stepId: string, output: unknown): void {
    this.outputs[stepId] = output;
    this.newOutputs[stepId] = output;
  }

  scheduleStep(stepId: string, attempt: number, dueAt: number): void {
    const record = this.step(stepId);
    record.status = 'Scheduled';
    record.attempt = attempt;
    record.dueAt = dueAt;
    this.effects.enqueue.push({ kind: 'step', runId: this.doc.id, functionId: this.doc.functionId, stepId, attempt, dueAt });
  }

  startTimer(timer: string, dueAt: number): void {
    this.doc.timers[timer] = dueAt;
    this.effects.enqueue.push({ kind: 'timer', runId: this.doc.id, functionId: this.doc.functionId, timer, dueAt });
  }

  /** True when the timer was still pending (and is now spent). */
  takeTimer(timer: string): boolean {
    if (!(timer in this.doc.timers)) return false;
    delete this.doc.timers[timer];
    return true;
  }

  addPause(pauseId: string, pause: RunDoc['pauses'][string]): void {
    this.doc.pauses[pauseId] = pause;
    this.effects.addPauses.push(this.pauseRecord(pauseId));
  }

  removePause(pauseId: string): void {
    if (!this.doc.pauses[pauseId]) return;
    this.effects.removePauses.push(this.pauseRecord(pauseId));
    delete this.doc.pauses[pauseId];
  }

  private pauseRecord(pauseId: string): PauseRecord {
    const pause = this.doc.pauses[pauseId]!;
    return { id: pauseId, runId: this.doc.id, event: pause.event, expiresAt: pause.expiresAt };
  }
}
