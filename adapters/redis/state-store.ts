import { PlatformError, errorMessage } from '../../core/errors';
import type { StepstackEvent } from '../../core/events/event';
import type { FunctionDefinition } from '../../core/functions/definition';
import { type Clock, systemClock } from '../../core/ports/clock';
import { type CommitLease, DEFAULT_RETENTION_MS, type LeaseRequest, type LeaseResult, type LoadedRun, type PauseRecord, type StateStore } from '../../core/ports/state';
import { type RunDoc, withoutEvent } from '../../core/run/run';
import { DEFAULT_MAX_WAIT_MS, type RedisClient, type RedisConnectionOptions, connectRedis } from './client';
import { type Keys, keysFor } from './keys';
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
  return new RedisStateStore(client, keysFor(options.keyPrefix ?? 'ss'), {
    retentionMs: options.retentionMs ?? DEFAULT_RETENTION_MS,
    clock: options.clock ?? systemClock,
    maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    deadlineBackstop: options.cluster === true,
  });
}

class RedisStateStore implements StateStore {
  private readonly script: RunScript;
  /** The last connection error, to explain a call that timed out while Redis was away. */
  private lastConnectionError: string | undefined;

  private readonly retentionMs: number;
  private readonly clock: Clock;
  private readonly maxWaitMs: number;
  /** Only a cluster client needs a deadline beside its commandTimeout (it costs a timer per call). */
  private readonly deadlineBackstop: boolean;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: Keys,
    settings: { retentionMs: number; clock: Clock; maxWaitMs: number; deadlineBackstop: boolean },
  ) {
    this.retentionMs = settings.retentionMs;
    this.clock = settings.clock;
    this.maxWaitMs = settings.maxWaitMs;
    this.deadlineBackstop = settings.deadlineBackstop;
    this.script = defineScripts(client);
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

  createRun(doc: RunDoc, definition: FunctionDefinition): Promise<boolean> {
    const run = this.keys.run(doc.id);
    return this.call('createRun', async () => {
      const created = await this.script('createRun', [run.doc, run.version, run.outputs, run.definition, run.leases, run.trigger], [
        encode(withoutEvent(doc)), String(doc.version), encode(definition), ms(this.retentionMs), encode(doc.event),
      ]);
      return created === 1;
    });
  }

  loadRun(runId: string): Promise<LoadedRun | undefined> {
    const run = this.keys.run(runId);
    return this.call('loadRun', async () => {
      const reply = await this.script('loadRun', [run.doc, run.outputs, run.definition, run.leases, run.trigger], []);
      return reply === null ? undefined : decodeRun(reply as unknown[], this.clock.now());
    });
  }

  leaseStep(lease: LeaseRequest): Promise<LeaseResult> {
    const run = this.keys.run(lease.runId);
    return this.call('leaseStep', async () => {
      const [status, ...rest] = (await this.script('leaseStep', [run.doc, run.outputs, run.definition, run.leases, run.trigger], [
        lease.stepId, lease.owner, Math.floor(lease.now), ms(lease.now + lease.leaseMs),
      ])) as unknown[];
      if (status === 'missing') return { status };
      if (status === 'busy') return { status, until: Number(rest[0]) };
      return { status: 'leased', run: decodeRun(rest, lease.now) };
    });
  }

  renewLease(lease: LeaseRequest): Promise<boolean> {
    return this.call('renewLease', async () => {
      const renewed = await this.script('renewLease', [this.keys.run(lease.runId).leases], [
        lease.stepId, lease.owner, Math.floor(lease.now), ms(lease.now + lease.leaseMs),
      ]);
      return renewed === 1;
    });
  }

  releaseLease(runId: string, stepId: string, owner: string): Promise<void> {
    return this.call('releaseLease', async () => {
      await this.script('releaseLease', [this.keys.run(runId).leases], [stepId, owner]);
    });
  }

  commitRun(next: RunDoc, outputs: Record<string, unknown>, release?: { stepId: string; owner: string }, lease?: CommitLease): Promise<boolean> {
    const run = this.keys.run(next.id);
    const pairs = Object.entries(outputs).flatMap(([stepId, output]) => [stepId, encode(output)]);
    return this.call('commitRun', async () => {
      const committed = await this.script('commitRun', [run.doc, run.version, run.outputs, run.definition, run.leases, run.trigger], [
        encode(withoutEvent(next)), String(next.version - 1), String(next.version), ms(this.retentionMs),
        release?.stepId ?? '', release?.owner ?? '', lease?.stepId ?? '', lease ? `${lease.owner}|${ms(lease.until)}` : '', ...pairs,
      ]);
      return committed === 1;
    });
  }

  addPause(pause: PauseRecord): Promise<void> {
    return this.call('addPause', async () => {
      await this.client.hset(this.keys.pauses(pause.event), pause.id, encode(pause));
    });
  }

  pausesFor(eventName: string, now: number): Promise<PauseRecord[]> {
    return this.call('pausesFor', async () => {
      const live = (await this.script('pausesFor', [this.keys.pauses(eventName)], [Math.floor(now)])) as string[];
      return live.map((json) => decode<PauseRecord>(json));
    });
  }

  removePause(eventName: string, pauseId: string): Promise<void> {
    return this.call('removePause', async () => {
      await this.client.hdel(this.keys.pauses(eventName), pauseId);
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
      const connection = this.lastConnectionError ? ` (connection: ${this.lastConnectionError})` : '';
      throw new PlatformError(`redis ${operation} failed: ${errorMessage(error)}${connection}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A run as the loadRun and leaseStep scripts return it: doc, outputs pairs, definition, leases pairs. */

function decodeRun(reply: unknown[], now: number): LoadedRun {
  const [doc, outputPairs, definition, leasePairs, trigger] = reply as [string, string[], string | null, string[], string | null];
  const outputs: Record<string, unknown> = {};
  for (let i = 0; i + 1 < outputPairs.length; i += 2) outputs[outputPairs[i]!] = decode(outputPairs[i + 1]!);
  const leases: Record<string, number> = {};
  for (let i = 0; i + 1 < leasePairs.length; i += 2) {
    const until = Number(/\|(\d+)$/.exec(leasePairs[i + 1]!)?.[1]);
    if (until > now) leases[leasePairs[i]!] = until;
  }
  const run = decode<RunDoc>(doc);
  if (definition === null) throw new Error(`run ${run.id} has no function definition`);
  if (trigger === null) throw new Error(`run ${run.id} has no trigger event`);
  run.event = decode<RunDoc['event']>(trigger);
  // Parsed on first read only: the engine compiles a definition once per hash and rarely reads it again.
  let parsed: FunctionDefinition | undefined;
  return {
    doc: run,
    outputs,
    leases,
    get definition() {
      parsed ??= decode<FunctionDefinition>(definition);
      return parsed;
    },
  };
}
