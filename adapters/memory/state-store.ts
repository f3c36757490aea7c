import { PlatformError } from '../../core/errors';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import { type Clock, systemClock } from '../../core/ports/clock';
import { type CommitLease, DEFAULT_RETENTION_MS, type LeaseRequest, type LeaseResult, type LoadedRun, type PauseRecord, type StateStore } from '../../core/ports/state';
import { type RunDoc, withoutEvent } from '../../core/run/run';
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

interface StoredRun {
  /** The document without its trigger event, which is kept once in `event`: commits rewrite only this. */
  doc: string;
  event: string;
  version: number;
  outputs: Map<string, string>;
  definition: string;
  leases: Map<string, { owner: string; until: number }>;
}

/** The state store of the local stack (`npm start`): everything in this process, lost on exit. */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  return new MemoryStateStore(options.clock ?? systemClock, options.retentionMs ?? DEFAULT_RETENTION_MS);
}

class MemoryStateStore implements StateStore {
  private readonly runs = new ExpiringMap<string, StoredRun>();
  private readonly events = new ExpiringMap<string, string>();
  private readonly links = new ExpiringMap<string, string[]>();
  private readonly keys = new ExpiringMap<string, string>();
  /** By event name, then pause id. */
  private readonly pauses = new Map<string, Map<string, { json: string; expiresAt: number }>>();
  private readonly functions = new Map<string, string>();
  private functionsChanges = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  async ping(): Promise<void> {
    this.open();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async createRun(doc: RunDoc, definition: FunctionDefinition): Promise<boolean> {
    const now = this.open();
    if (this.runs.get(doc.id, now)) return false;
    const run: StoredRun = {
      doc: encode(withoutEvent(doc)), event: encode(doc.event), version: doc.version, outputs: new Map(), definition: encode(definition), leases: new Map(),
    };
    this.runs.set(doc.id, run, now + this.retentionMs);
    return true;
  }

  async loadRun(runId: string): Promise<LoadedRun | undefined> {
    const now = this.open();
    const run = this.runs.get(runId, now);
    return run && snapshot(run, now);
  }

  async leaseStep(lease: LeaseRequest): Promise<LeaseResult> {
    const run = this.runs.get(lease.runId, this.open());
    if (!run) return { status: 'missing' };
    const held = run.leases.get(lease.stepId);
    if (held && held.owner !== lease.owner && held.until > lease.now) return { status: 'busy', until: held.until };
    run.leases.set(lease.stepId, { owner: lease.owner, until: lease.now + lease.leaseMs });
    return { status: 'leased', run: snapshot(run, lease.now) };
  }

  async renewLease(lease: LeaseRequest): Promise<boolean> {
    const held = this.runs.get(lease.runId, this.open())?.leases.get(lease.stepId);
    if (!held || held.owner !== lease.owner || held.until <= lease.now) return false;
    held.until = lease.now + lease.leaseMs;
    return true;
  }

  async releaseLease(runId: string, stepId: string, owner: string): Promise<void> {
    const run = this.runs.get(runId, this.open());
    if (run?.leases.get(stepId)?.owner === owner) run.leases.delete(stepId);
  }

  async commitRun(next: RunDoc, outputs: Record<string, unknown>, release?: { stepId: string; owner: string }, lease?: CommitLease): Promise<boolean> {
    const now = this.open();
    const run = this.runs.get(next.id, now);
    if (!run || run.version !== next.version - 1) return false;
    run.doc = encode(withoutEvent(next));
    run.version = next.version;
    for (const [stepId, output] of Object.entries(outputs)) run.outputs.set(stepId, encode(output));
    if (release && run.leases.get(release.stepId)?.owner === release.owner) run.leases.delete(release.stepId);
    if (lease) run.leases.set(lease.stepId, { owner: lease.owner, until: lease.until });
    this.runs.touch(next.id, now + this.retentionMs, now);
    return true;
  }

  async addPause(pause: PauseRecord): Promise<void> {
    this.open();
    let byId = this.pauses.get(pause.event);
    if (!byId) this.pauses.set(pause.event, (byId = new Map()));
    byId.set(pause.id, { json: encode(pause), expiresAt: pause.expiresAt });
  }

  async pausesFor(eventName: string, now: number): Promise<PauseRecord[]> {
    this.open();
    const byId = this.pauses.get(eventName);
    if (!byId) return [];
    const live: PauseRecord[] = [];
    for (const [id, entry] of byId) {
      if (entry.expiresAt > now) live.push(decode<PauseRecord>(entry.json));
      else byId.delete(id);
    }
    if (byId.size === 0) this.pauses.delete(eventName);
    return live;
  }

  async removePause(eventName: string, pauseId: string): Promise<void> {
    this.open();
    const byId = this.pauses.get(eventName);
    byId?.delete(pauseId);
    if (byId?.size === 0) this.pauses.delete(eventName);
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

  /** The time now, after a sweep when one is due; throws once the store is closed. */
  private open(): number {
    if (this.closed) throw new PlatformError('the memory state store is closed');
    const now = this.clock.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    return now;
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const map of [this.runs, this.events, this.links, this.keys]) map.sweep(now);
    for (const [eventName, byId] of this.pauses) {
      for (const [id, entry] of byId) if (entry.expiresAt <= now) byId.delete(id);
      if (byId.size === 0) this.pauses.delete(eventName);
    }
  }
}

function snapshot(run: StoredRun, now: number): LoadedRun {
  const outputs: Record<string, unknown> = {};
  for (const [stepId, json] of run.outputs) outputs[stepId] = decode(json);
  const leases: Record<string, number> = {};
  for (const [stepId, held] of run.leases) if (held.until > now) leases[stepId] = held.until;
  const doc = decode<RunDoc>(run.doc);
  doc.event = decode<RunDoc['event']>(run.event);
  return { doc, outputs, definition: decode<FunctionDefinition>(run.definition), leases };
}

