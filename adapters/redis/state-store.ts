import { PlatformError, errorMessage } from '../../core/errors';
import { FormatError } from '../../core/format';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { SdkApp } from '../../core/ports/apps';
import { type Clock, systemClock } from '../../core/ports/clock';
import type { IndexedPause } from '../../core/ports/pause-index';
import type { AttemptCommit, LeaseRequest, NewRun, PauseResume, RunEnd, TimerFire } from '../../core/ports/run-store';
import { type DeadEvent, DEFAULT_RETENTION_MS, type RunClaim, type StateStore } from '../../core/ports/state';
import { DEFAULT_MAX_WAIT_MS, type RedisClient, type RedisConnectionOptions, connectRedis } from './client';
import { RedisFlowStore } from './flow/flow-store';
import { type Keys, keysFor } from './keys';
import { RedisPauseIndex } from './pause-index';
import { RedisRunStore } from './run-store';
import { type RunScript, defineScripts } from './scripts';

export interface RedisStateStoreOptions extends RedisConnectionOptions {
  /** Put before every key, so that several stacks can share one Redis. No braces. @default 'ss' */
  keyPrefix?: string;
  /** How long a run and its outputs are kept after its last commit. @default 7 days */
  retentionMs?: number;
  /** Tells which leases are live when a run is loaded. @default systemClock */
  clock?: Clock;
}

const DEADLINE_MARGIN_MS = 250;

const encode = (value: unknown): string => JSON.stringify(value) ?? 'null';
const decode = <T>(json: string): T => JSON.parse(json) as T;
/** Redis wants whole, positive milliseconds. */
const ms = (value: number): string => String(Math.max(1, Math.ceil(value)));


/** State on Redis (ElastiCache on AWS): one script call per atomic change, keys safe for cluster mode. */
export function createRedisStateStore(options: RedisStateStoreOptions): StateStore {
  const client = connectRedis(options);
  return new RedisStateStore(client, options.keyPrefix ?? 'ss', {
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    clock: options.clock ?? systemClock,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    deadlineBackstop: options.cluster === true,
  });
}

class RedisStateStore implements StateStore {
  private readonly script: RunScript;
  private readonly keys: Keys;
  private readonly runs: RedisRunStore;
  private readonly pauses: RedisPauseIndex;
  /** The synced SDK apps: one hash, app id to JSON. */
  private readonly appsKey: string;
  readonly flow: RedisFlowStore;
  /** The last connection error, to explain a call that timed out while Redis was away. */
  private lastConnectionError: string | undefined;

  private readonly retentionMs: number;
  private readonly clock: Clock;
  private readonly maxWaitMs: number;
  /** Only a cluster client needs a deadline beside its commandTimeout (it costs a timer per call). */
  private readonly deadlineBackstop: boolean;

  constructor(
    private readonly client: RedisClient,
    prefix: string,
    settings: { retentionMs: number; clock: Clock; maxWaitMs: number; deadlineBackstop: boolean },
  ) {
    this.retentionMs = settings.retentionMs;
    this.clock = settings.clock;
    this.maxWaitMs = settings.maxWaitMs;
    this.deadlineBackstop = settings.deadlineBackstop;
    this.script = defineScripts(client);
    this.keys = keysFor(prefix);
    this.appsKey = `${prefix}:{apps}`;
    const call = this.call.bind(this);
    this.runs = new RedisRunStore(client, this.script, this.keys, call, this.retentionMs, () => this.clock.now());
    this.pauses = new RedisPauseIndex(client, prefix, call);
    this.flow = new RedisFlowStore(client, prefix, call, this.retentionMs, () => this.clock.now());
    // Errors also surface on the calls that they fail; without a listener ioredis prints them all.
    client.on('error', (error: Error) => {
      this.lastConnectionError = error.message;
    });
    client.on('ready', () => {
      this.lastConnectionError = undefined;
    });
  }

  ping(): Promise<void> {
    return this.call('ping', async () => {
      await this.client.ping();
    });
  }

  async close(): Promise<void> {
    if (this.client.status === 'ready') await this.client.quit().catch(() => this.client.disconnect());
    else this.client.disconnect();
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

  indexPause(pause: IndexedPause) {
    return this.pauses.indexPause(pause);
  }

  candidatesFor(event: StepstackEvent, now: number) {
    return this.pauses.candidatesFor(event, now);
  }

  dropPause(eventName: string, pauseId: string) {
    return this.pauses.dropPause(eventName, pauseId);
  }

  saveDeadEvent(dead: DeadEvent, ttlMs: number): Promise<void> {
    const { records, byTime } = this.keys.dead;
    return this.call('saveDeadEvent', async () => {
      await this.script('saveDeadEvent', [records, byTime], [
        dead.event.id, encode(dead), String(Math.floor(dead.deadAt)), String(Math.floor(dead.deadAt + ttlMs)), String(Math.floor(this.clock.now() - ttlMs)),
      ]);
    });
  }

  listDeadEvents(limit: number, cursor?: string): Promise<{ events: DeadEvent[]; next: string | null }> {
    const { records, byTime } = this.keys.dead;
    return this.call('listDeadEvents', async () => {
      // Newest first; the cursor is the offset of the next page (dead events are few and rarely change under a reader).
      const offset = cursor === undefined ? 0 : Number(cursor);
      const ids = await this.client.zrevrange(byTime, offset, offset + limit);
      const page = ids.slice(0, limit);
      const now = this.clock.now();
      const values = page.length === 0 ? [] : await this.client.hmget(records, ...page.flatMap((id) => [id, `x:${id}`]));
      const events: DeadEvent[] = [];
      for (let i = 0; i + 1 < values.length; i += 2) {
        if (values[i] && Number(values[i + 1]) > now) events.push(decode<DeadEvent>(values[i]!));
      }
      return { events, next: ids.length > limit ? String(offset + limit) : null };
    });
  }

  getDeadEvent(eventId: string): Promise<DeadEvent | undefined> {
    return this.call('getDeadEvent', async () => {
      const [json, expiresAt] = await this.client.hmget(this.keys.dead.records, eventId, `x:${eventId}`);
      return json && Number(expiresAt) > this.clock.now() ? decode<DeadEvent>(json) : undefined;
    });
  }

  takeDeadEvent(eventId: string): Promise<DeadEvent | undefined> {
    const { records, byTime } = this.keys.dead;
    return this.call('takeDeadEvent', async () => {
      const json = await this.script('takeDeadEvent', [records, byTime], [eventId, String(Math.floor(this.clock.now()))]);
      return typeof json === 'string' ? decode<DeadEvent>(json) : undefined;
    });
  }

  saveEvent(event: StepstackEvent, ttlMs: number): Promise<boolean> {
    return this.call('saveEvent', async () => {
      const saved = await this.client.set(this.keys.event(event.id).event, encode(event), 'PX', ms(ttlMs), 'NX');
      return saved === 'OK';
    });
  }

  getEvent(eventId: string): Promise<StepstackEvent | undefined> {
    return this.call('getEvent', async () => {
      const json = await this.client.get(this.keys.event(eventId).event);
      return json === null ? undefined : decode<StepstackEvent>(json);
    });
  }

  linkRun(eventId: string, runId: string, ttlMs: number): Promise<void> {
    return this.call('linkRun', async () => {
      await this.script('linkRun', [this.keys.event(eventId).runs], [runId, ms(ttlMs)]);
    });
  }

  runsForEvent(eventId: string): Promise<string[]> {
    return this.call('runsForEvent', () => this.client.lrange(this.keys.event(eventId).runs, 0, -1));
  }

  claimKey(key: string, value: string, ttlMs: number): Promise<string> {
    return this.call('claimKey', async () => String(await this.script('claimKey', [this.keys.claim(key)], [value, ms(ttlMs)])));
  }

  claimRun(claim: RunClaim): Promise<string> {
    const event = this.keys.event(claim.eventId);
    return this.call('claimRun', async () => String(await this.script('claimRun', [event.runClaim(claim.key), event.runs], [claim.runId, ms(claim.ttlMs), ms(claim.linkTtlMs)])));
  }

  putFunction(definition: FunctionDefinition): Promise<void> {
    const { registry, version } = this.keys.functions;
    return this.call('putFunction', async () => {
      await this.script('putFunction', [registry, version], [definition.id, encode(definition)]);
    });
  }

  getFunction(id: string): Promise<FunctionDefinition | undefined> {
    return this.call('getFunction', async () => {
      const json = await this.client.hget(this.keys.functions.registry, id);
      return json === null ? undefined : decode<FunctionDefinition>(json);
    });
  }

  listFunctions(): Promise<FunctionDefinition[]> {
    return this.call('listFunctions', async () => {
      const all = await this.client.hvals(this.keys.functions.registry);
      return all.map((json) => decode<FunctionDefinition>(json));
    });
  }

  deleteFunction(id: string): Promise<boolean> {
    const { registry, version } = this.keys.functions;
    return this.call('deleteFunction', async () => (await this.script('deleteFunction', [registry, version], [id])) === 1);
  }

  functionsVersion(): Promise<number> {
    return this.call('functionsVersion', async () => Number((await this.client.get(this.keys.functions.version)) ?? 0));
  }

  putApp(app: SdkApp): Promise<void> {
    return this.call('putApp', async () => {
      await this.client.hset(this.appsKey, app.id, encode(app));
    });
  }

  getApp(id: string): Promise<SdkApp | undefined> {
    return this.call('getApp', async () => {
      const json = await this.client.hget(this.appsKey, id);
      return json === null ? undefined : decode<SdkApp>(json);
    });
  }

  listApps(): Promise<SdkApp[]> {
    return this.call('listApps', async () => (await this.client.hvals(this.appsKey)).map((json) => decode<SdkApp>(json)));
  }

  deleteApp(id: string): Promise<boolean> {
    return this.call('deleteApp', async () => (await this.client.hdel(this.appsKey, id)) === 1);
  }

  /**
   * Every failure to reach Redis or to read what it holds is a fault of the platform. The deadline
   * backs up the client's commandTimeout, which does not cover a cluster client still looking for
   * its nodes.
   */
  private async call<T>(operation: string, work: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!this.deadlineBackstop) return await work();
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.maxWaitMs + DEADLINE_MARGIN_MS} ms`)), this.maxWaitMs + DEADLINE_MARGIN_MS);
      });
      return await Promise.race([work(), deadline]);
    } catch (error) {
      // A run of another format is no fault of the connection: refused as it is.
      if (error instanceof FormatError) throw error;
      const connection = this.lastConnectionError ? ` (connection: ${this.lastConnectionError})` : '';
      throw new PlatformError(`redis ${operation} failed: ${errorMessage(error)}${connection}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

