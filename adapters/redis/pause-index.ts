import type { StepstackEvent } from '../../core/events/event';
import { eventValueAt } from '../../core/expressions/pause-match';
import type { IndexedPause, PauseIndex } from '../../core/ports/pause-index';
import { EXPIRED_DROPS_PER_CALL, checkIndexable, decodePause, encodePause } from '../../core/ports/pause-record';
import type { RedisClient } from './client';
import { dropExpiredPauses } from './lua/drop-expired-pauses';
import { dropPause } from './lua/drop-pause-4';
import { indexPause } from './lua/index-pause-4';
import { pauseCandidates } from './lua/pause-candidates';
import type { LuaScript } from './lua/script';
import { type PauseKeys, bucketOfPlace, pauseKeysFor, placeOf } from './pause-keys';

/** Runs a call to Redis, turning its failures into the store's errors (the state store's `call`). */
export type RedisCallWrapper = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

const SCRIPTS = {
  stepstackIndexPause: indexPause,
  stepstackDropPause: dropPause,
  stepstackPauseCandidates: pauseCandidates,
  stepstackDropExpiredPauses: dropExpiredPauses,
} satisfies Record<string, LuaScript>;
type ScriptName = keyof typeof SCRIPTS;

export interface RedisPauseIndexOptions {
  /**
   * How long after the last expiry of its pauses the keys of an event name are kept by Redis's own
   * key expiry: a backstop for names that no event reaches any more (lookups drop expired pauses
   * first). @default 1 day
   */
  keyTtlMarginMs?: number;
}

const DEFAULT_KEY_TTL_MARGIN_MS = 86_400_000;

/** A lookup whose believed paths are not the held ones asks again, with the held ones, this many times in all. */
const PATHS_ATTEMPTS = 5;
const KNOWN_PATHS_LIMIT = 10_000;

/** A pause that moves under a concurrent index or drop is retried this many times. */
const MOVE_ATTEMPTS = 3;

/**
 * The pause index on Redis (layout in pause-keys.ts). A lookup is one script reading the event's
 * buckets and the unkeyed hash (named from the keyed paths this client last saw for the name, which
 * the script checks), plus one when those paths changed, plus one when it met expired entries to
 * drop; its cost grows with the candidates it returns, not with the pauses held.
 */
export class RedisPauseIndex implements PauseIndex {
  private readonly keysOf: (eventName: string) => PauseKeys;
  private readonly keyTtlMarginMs: number;
  /** The keyed paths last seen per event name: a lookup takes one round trip while they hold. */
  private readonly knownPaths = new Map<string, string[]>();

  constructor(
    private readonly client: RedisClient,
    keyPrefix: string,
    private readonly call: RedisCallWrapper,
    options: RedisPauseIndexOptions = {},
  ) {
    this.keysOf = pauseKeysFor(keyPrefix);
    this.keyTtlMarginMs = options.keyTtlMarginMs ?? DEFAULT_KEY_TTL_MARGIN_MS;
    if (!(this.keyTtlMarginMs >= 0)) throw new Error(`keyTtlMarginMs ${this.keyTtlMarginMs} is invalid: use a number of ms >= 0`);
    for (const [name, script] of Object.entries(SCRIPTS)) {
      client.defineCommand(name, { lua: script.lua, ...(script.keys === 'variable' ? {} : { numberOfKeys: script.keys }) });
    }
  }

  async indexPause(pause: IndexedPause): Promise<void> {
    checkIndexable(pause);
    const keys = this.keysOf(pause.event);
    const place = placeOf(pause.key);
    const { bucket, pathJson } = bucketOfPlace(keys, place);
    const record = encodePause(pause);
    await this.call('indexPause', async () => {
      for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
        const [status, heldAt] = (await this.script('stepstackIndexPause', [keys.paths, keys.where, keys.expiries, bucket], [
          pause.id, record, String(pause.expiresAt), place, pathJson, String(Math.ceil(pause.expiresAt + this.keyTtlMarginMs)),
        ])) as [string, string?];
        if (status === 'ok') return;
        await this.dropAt(keys, pause.id, heldAt!);
      }
      throw new Error(`pause ${pause.id} kept moving while it was indexed`);
    });
  }

  async candidatesFor(event: StepstackEvent, now: number): Promise<IndexedPause[]> {
    const keys = this.keysOf(event.name);
    const records = await this.call('candidatesFor', async () => {
      for (let attempt = 0; attempt < PATHS_ATTEMPTS; attempt += 1) {
        const paths = this.knownPaths.get(event.name) ?? [];
        const buckets = [keys.unkeyed];
        for (const pathJson of paths) {
          const value = eventValueAt(event, JSON.parse(pathJson) as string[]);
          if (value !== undefined) buckets.push(keys.bucket(pathJson, value));
        }
        const reply = (await this.script('stepstackPauseCandidates', [keys.paths, keys.where, keys.expiries, ...buckets], [
          String(now), EXPIRED_DROPS_PER_CALL, paths.length, ...paths,
        ])) as ['paths', string[]] | ['ok', string[], string[]];
        if (reply[0] === 'paths') {
          this.rememberPaths(event.name, reply[1]);
          continue;
        }
        const [, found, expired] = reply;
        if (expired.length > 0) await this.dropExpired(keys, expired, now);
        return found;
      }
      throw new Error(`the keyed paths of event '${event.name}' kept changing during ${PATHS_ATTEMPTS} lookups`);
    });
    // Decoded outside the wrapper: a record of another format is refused as such, not as a Redis failure.
    return records.map(decodePause).filter((pause) => pause.expiresAt > now);
  }

  /** Keep the paths of a name for its next lookups (the script checks them each time), forgetting the oldest name when full. */
  private rememberPaths(eventName: string, paths: string[]): void {
    this.knownPaths.delete(eventName);
    if (this.knownPaths.size >= KNOWN_PATHS_LIMIT) this.knownPaths.delete(this.knownPaths.keys().next().value as string);
    this.knownPaths.set(eventName, paths);
  }

  async dropPause(eventName: string, pauseId: string): Promise<void> {
    const keys = this.keysOf(eventName);
    await this.call('dropPause', async () => {
      for (let attempt = 0; attempt < MOVE_ATTEMPTS; attempt += 1) {
        const place = await this.client.hget(keys.where, pauseId);
        if (place === null || (await this.dropAt(keys, pauseId, place))) return;
      }
      throw new Error(`pause ${pauseId} kept moving while it was dropped`);
    });
  }

  /** Drop a pause from `place`; false when it is not there any more. */
  private async dropAt(keys: PauseKeys, pauseId: string, place: string): Promise<boolean> {
    const { bucket, pathJson } = bucketOfPlace(keys, place);
    return (await this.script('stepstackDropPause', [keys.paths, keys.where, keys.expiries, bucket], [pauseId, place, pathJson])) === 1;
  }

  /** `expired`: pause id, place pairs as the candidates script returns them. */
  private async dropExpired(keys: PauseKeys, expired: string[], now: number): Promise<void> {
    const buckets: string[] = [];
    const args: string[] = [String(now)];
    for (let i = 0; i + 1 < expired.length; i += 2) {
      const pauseId = expired[i]!;
      const place = expired[i + 1]!;
      if (place === '') {
        args.push(pauseId, '', '0', '');
        continue;
      }
      const { bucket, pathJson } = bucketOfPlace(keys, place);
      let index = buckets.indexOf(bucket);
      if (index < 0) index = buckets.push(bucket) - 1;
      // KEYS[1..3] are paths, where and expiries: buckets start at KEYS[4].
      args.push(pauseId, place, String(index + 4), pathJson);
    }
    await this.script('stepstackDropExpiredPauses', [keys.paths, keys.where, keys.expiries, ...buckets], args);
  }

  private script(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    const declared = SCRIPTS[name].keys;
    if (declared !== 'variable' && keys.length !== declared) throw new Error(`script ${name} takes ${declared} keys, got ${keys.length}`);
    const command = (this.client as unknown as Record<ScriptName, (...keysAndArgs: (string | number)[]) => Promise<unknown>>)[name];
    return declared === 'variable' ? command.call(this.client, keys.length, ...keys, ...args) : command.call(this.client, ...keys, ...args);
  }
}
