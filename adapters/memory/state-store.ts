import { PlatformError } from '../../core/errors';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { SdkApp } from '../../core/ports/apps';
import { type Clock, systemClock } from '../../core/ports/clock';
import type { IndexedPause } from '../../core/ports/pause-index';
import type { AttemptCommit, LeaseRequest, NewRun, PauseResume, RunEnd, TimerFire } from '../../core/ports/run-store';
import { type DeadEvent, DEFAULT_RETENTION_MS, type RunClaim, type StateStore } from '../../core/ports/state';
import { MemoryDeadEvents } from './dead-events';
import { MemoryFlowStore } from './flow-store';
import { MemoryPauseIndex } from './pause-index';
import { MemoryRunStore } from './run-store';
import { ExpiringMap } from './state-expiring-map';

export interface MemoryStateStoreOptions {
  /** Decides expiry of runs, events and keys. @default systemClock */
  clock?: Clock;
  /** How long a run and its outputs are kept after its last commit. @default 7 days */
  retentionMs?: number;
}

/** How often (in clock time) entries that nobody reads again are swept away. */
const SWEEP_EVERY_MS = 60_000;

/** Values are kept as JSON, as Redis keeps them: callers can never share an object with the store. */
const encode = (value: unknown): string => JSON.stringify(value) ?? 'null';
const decode = <T>(json: string): T => JSON.parse(json) as T;

/** The state store of the local stack (`npm start`): everything in this process, lost on exit. */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  return new MemoryStateStore(options.clock ?? systemClock, options.retentionMs ?? DEFAULT_RETENTION_MS);
}

/** Rewrite a stored run's format version: for tests of the refusal of unknown formats only. */
export function writeMemoryRunFormat(store: StateStore, runId: string, format: number): void {
  if (!(store instanceof MemoryStateStore)) throw new Error('not a memory state store');
  store.writeRunFormat(runId, format);
}

class MemoryStateStore implements StateStore {
  private readonly runs: MemoryRunStore;
  private readonly pauses = new MemoryPauseIndex();
  private readonly dead = new MemoryDeadEvents();
  readonly flow: MemoryFlowStore;
  private readonly events = new ExpiringMap<string, string>();
  private readonly links = new ExpiringMap<string, string[]>();
  private readonly keys = new ExpiringMap<string, string>();
  /** claimRun's claims, by event id and then key: apart from claimKey's. */
  private readonly runClaims = new ExpiringMap<string, string>();
  private readonly functions = new Map<string, string>();
  private readonly apps = new Map<string, string>();
  private functionsChanges = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    retentionMs: number,
  ) {
    this.runs = new MemoryRunStore(() => this.open(), retentionMs);
    this.flow = new MemoryFlowStore(() => this.clock.now());
  }

  writeRunFormat(runId: string, format: number): void {
    this.runs.writeFormat(runId, format);
  }

  async ping(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  createRun(run: NewRun) {
    return this.runs.createRun(run);
  }

  loadRun(runId: string) {
    return this.runs.loadRun(runId);
  }

  leaseStep(lease: LeaseRequest) {
    return this.runs.leaseStep(lease);
  }

  renewLease(lease: LeaseRequest) {
    return this.runs.renewLease(lease);
  }

  releaseLease(runId: string, stepId: string, owner: string) {
    return this.runs.releaseLease(runId, stepId, owner);
  }

  readOutputs(runId: string, stepIds: string[]) {
    return this.runs.readOutputs(runId, stepIds);
  }

  commitAttempt(commit: AttemptCommit) {
    return this.runs.commitAttempt(commit);
  }

  fireTimer(change: TimerFire) {
    return this.runs.fireTimer(change);
  }

  resumePause(change: PauseResume) {
    return this.runs.resumePause(change);
  }

  endRun(change: RunEnd) {
    return this.runs.endRun(change);
  }

  async indexPause(pause: IndexedPause): Promise<void> {
    this.open();
    await this.pauses.indexPause(pause);
  }

  async candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]> {
    this.open();
    return this.pauses.candidatesFor(event, now);
  }

  async dropPause(eventName: string, pauseId: string): Promise<void> {
    this.open();
    await this.pauses.dropPause(eventName, pauseId);
  }

  async saveDeadEvent(dead: DeadEvent, ttlMs: number): Promise<void> {
    this.dead.save(dead, this.open() + ttlMs);
  }

  async listDeadEvents(limit: number, cursor?: string) {
    return this.dead.list(limit, this.open(), cursor);
  }

  async getDeadEvent(eventId: string) {
    return this.dead.get(eventId, this.open());
  }

  async takeDeadEvent(eventId: string) {
    return this.dead.take(eventId, this.open());
  }

  async saveEvent(event: StepstackEvent, ttlMs: number): Promise<boolean> {
    const now = this.open();
    if (this.events.get(event.id, now) !== undefined) return false;
    this.events.set(event.id, encode(event), now + ttlMs);
    return true;
  }

  async getEvent(eventId: string): Promise<StepstackEvent | undefined> {
    const json = this.events.get(eventId, this.open());
    return json === undefined ? undefined : decode<StepstackEvent>(json);
  }

  async linkRun(eventId: string, runId: string, ttlMs: number): Promise<void> {
    const now = this.open();
    const runIds = this.links.get(eventId, now) ?? [];
    if (!runIds.includes(runId)) runIds.push(runId);
    this.links.set(eventId, runIds, now + ttlMs);
  }

  async runsForEvent(eventId: string): Promise<string[]> {
    return [...(this.links.get(eventId, this.open()) ?? [])];
  }

  async claimKey(key: string, value: string, ttlMs: number): Promise<string> {
    const now = this.open();
    const holder = this.keys.get(key, now);
    if (holder !== undefined) return holder;
    this.keys.set(key, value, now + ttlMs);
    return value;
  }

  async claimRun(claim: RunClaim): Promise<string> {
    const now = this.open();
    // JSON of the pair: no event id and key can make another pair's name.
    const key = JSON.stringify([claim.eventId, claim.key]);
    let holder = this.runClaims.get(key, now);
    if (holder === undefined) {
      holder = claim.runId;
      this.runClaims.set(key, holder, now + claim.ttlMs);
    }
    await this.linkRun(claim.eventId, holder, claim.linkTtlMs);
    return holder;
  }

  async putFunction(definition: FunctionDefinition): Promise<void> {
    this.open();
    this.functions.set(definition.id, encode(definition));
    this.functionsChanges += 1;
  }

  async getFunction(id: string): Promise<FunctionDefinition | undefined> {
    this.open();
    const json = this.functions.get(id);
    return json === undefined ? undefined : decode<FunctionDefinition>(json);
  }

  async listFunctions(): Promise<FunctionDefinition[]> {
    this.open();
    return [...this.functions.values()].map((json) => decode<FunctionDefinition>(json));
  }

  async deleteFunction(id: string): Promise<boolean> {
    this.open();
    if (!this.functions.delete(id)) return false;
    this.functionsChanges += 1;
    return true;
  }

  async functionsVersion(): Promise<number> {
    this.open();
    return this.functionsChanges;
  }

  async putApp(app: SdkApp): Promise<void> {
    this.open();
    this.apps.set(app.id, encode(app));
  }

  async getApp(id: string): Promise<SdkApp | undefined> {
    this.open();
    const json = this.apps.get(id);
    return json === undefined ? undefined : decode<SdkApp>(json);
  }

  async listApps(): Promise<SdkApp[]> {
    this.open();
    return [...this.apps.values()].map((json) => decode<SdkApp>(json));
  }

  async deleteApp(id: string): Promise<boolean> {
    this.open();
    return this.apps.delete(id);
  }

  /** The time now, after a sweep when one is due; throws once the store is closed. */
  private open(): number {
    if (this.closed) throw new PlatformError('the memory state store is closed');
    const now = this.clock.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    return now;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    this.runs.sweep(now);
    for (const map of [this.events, this.links, this.keys, this.runClaims]) map.sweep(now);
    this.dead.sweep(now);
    this.flow.sweep(now);
  }
}
