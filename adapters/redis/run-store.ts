import { setOwn } from '../../core/records';
import { jsonOf } from '../../core/run/step-input-json';
import {
  type AttemptCommit, type CommitResult, type LeaseRequest, type LeaseResult, type NewRun, type PauseResume, RUN_FORMAT, type RunEnd, type RunStore,
  type StoredRun, type TimerFire,
} from '../../core/ports/run-store';
import type { RedisClient } from './client';
import type { Keys } from './keys';
import { changesArgs, checkReply, decodeCommit, decodeLeased, decodeRun, decode, discoveredArg, encode } from './run-codec';
import type { RunScript } from './scripts';

/** Wraps a call to Redis, turning its failures into platform faults. */
export type Call = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/** Redis wants whole, positive milliseconds. */
const ms = (value: number): string => String(Math.max(1, Math.ceil(value)));
const at = (value: number): string => String(Math.floor(value));

/** Runs on Redis, one script per change, every key of a run under its hash tag (docs/decisions/003). */
export class RedisRunStore implements RunStore {
  constructor(
    private readonly client: RedisClient,
    private readonly script: RunScript,
    private readonly keys: Keys,
    private readonly call: Call,
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  createRun(run: NewRun): Promise<CommitResult | { outcome: 'exists' }> {
    const keys = this.keys.run(run.id);
    // Encode first: nothing is written when any part cannot be encoded.
    const args = [
      ms(this.retentionMs), at(run.now), String(RUN_FORMAT), run.id, run.functionId, run.functionHash, run.event.id, run.rerunOf ?? '',
      encode(run.topology.map((step) => [step.id, step.edges, step.children.map((child) => [child.step, child.edge])])),
      encode(run.definition), encode(run.event), ...changesArgs(run.changes),
    ];
    return this.call('createRun', async () => {
      const reply = await this.script('createRun', keys.all, args);
      return Array.isArray(reply) && reply[0] === 'exists' ? { outcome: 'exists' } : decodeCommit(reply, run.id);
    });
  }

  loadRun(runId: string): Promise<StoredRun | undefined> {
    return this.call('loadRun', async () => {
      const reply = await this.script('loadRun', this.keys.run(runId).all, []);
      return reply === null ? undefined : decodeRun(reply as unknown[], this.now());
    });
  }

  leaseStep(lease: LeaseRequest): Promise<LeaseResult> {
    const keys = this.keys.run(lease.runId);
    const args = [
      String(RUN_FORMAT), lease.stepId, String(lease.attempt), lease.owner, at(lease.now), ms(lease.now + lease.leaseMs),
      lease.withoutDefinition ? '0' : '1', ...(lease.inputs ?? []),
    ];
    return this.call('leaseStep', async () => {
      // An empty input list would read every output: ask for a field no step can have instead.
      const reply = (await this.script('leaseStep', [keys.meta, keys.steps, keys.outputs, keys.leases, keys.definition, keys.trigger],
        lease.inputs?.length === 0 ? [...args, '$none'] : args)) as unknown[];
      checkReply(reply, lease.runId);
      if (reply[0] === 'missing' || reply[0] === 'closed') return { status: reply[0] };
      if (reply[0] === 'busy') return { status: 'busy', until: Number(reply[1]) };
      return { status: 'leased', step: decodeLeased(reply, lease.withoutDefinition === true) };
    });
  }

  renewLease(lease: LeaseRequest): Promise<'renewed' | 'lost' | 'ended'> {
    const keys = this.keys.run(lease.runId);
    return this.call('renewLease', async () => (await this.script('renewLease', [keys.meta, keys.steps, keys.leases], [
      lease.stepId, String(lease.attempt), lease.owner, at(lease.now), ms(lease.now + lease.leaseMs),
    ])) as 'renewed' | 'lost' | 'ended');
  }

  releaseLease(runId: string, stepId: string, owner: string): Promise<void> {
    return this.call('releaseLease', async () => {
      await this.script('releaseLease', [this.keys.run(runId).leases], [stepId, owner]);
    });
  }

  readOutputs(runId: string, stepIds: string[]): Promise<Record<string, unknown>> {
    if (stepIds.length === 0) return Promise.resolve({});
    return this.call('readOutputs', async () => {
      const values = await this.client.hmget(this.keys.run(runId).outputs, ...stepIds);
      const outputs: Record<string, unknown> = {};
      values.forEach((json, index) => {
        if (json !== null) setOwn(outputs, stepIds[index]!, decode(json));
      });
      return outputs;
    });
  }

  commitAttempt(commit: AttemptCommit): Promise<CommitResult> {
    const { result } = commit;
    // The planner's JSON of the output, which the executor also hands to the next step's input; made here for callers without one.
    const detail = result.kind === 'completed' ? (result.json ?? jsonOf(result.output)) : result.kind === 'retry' ? at(result.retryAt) : result.reason;
    const args = [
      ms(this.retentionMs), at(commit.now), String(RUN_FORMAT), commit.stepId, String(commit.attempt), result.kind, detail,
      String(commit.attempts), encode(commit.errors), commit.release?.owner ?? '', commit.leaseNext?.owner ?? '',
      commit.leaseNext ? ms(commit.leaseNext.until) : '', String(commit.outputCap ?? 0), discoveredArg(commit.discovered),
      ...changesArgs(commit.changes),
    ];
    return this.call('commitAttempt', async () => decodeCommit(await this.script('commitAttempt', this.keys.run(commit.runId).all, args), commit.runId));
  }

  fireTimer(change: TimerFire): Promise<CommitResult> {
    return this.call('fireTimer', async () => decodeCommit((await this.script('fireTimer', this.keys.run(change.runId).all, [
      ms(this.retentionMs), at(change.now), String(RUN_FORMAT), change.timerId,
    ])) as unknown[], change.runId));
  }

  resumePause(change: PauseResume): Promise<CommitResult> {
    const args = [
      ms(this.retentionMs), at(change.now), String(RUN_FORMAT), change.pauseId, encode(change.event),
      `cancelled by event '${change.event.name}' (${change.event.id})`,
    ];
    return this.call('resumePause', async () => decodeCommit(await this.script('resumePause', this.keys.run(change.runId).all, args), change.runId));
  }

  endRun(change: RunEnd): Promise<CommitResult> {
    return this.call('endRun', async () => decodeCommit((await this.script('endRun', this.keys.run(change.runId).all, [
      ms(this.retentionMs), at(change.now), String(RUN_FORMAT), change.status, change.reason,
    ])) as unknown[], change.runId));
  }
}
