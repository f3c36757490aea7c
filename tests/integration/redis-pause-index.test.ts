import diagnostics from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { type RedisClient, connectRedis } from '../../adapters/redis/client';
import { type RedisCallWrapper, RedisPauseIndex, type RedisPauseIndexOptions } from '../../adapters/redis/pause-index';
import { bucketOfPlace, pauseKeysFor } from '../../adapters/redis/pause-keys';
import { PlatformError, errorMessage } from '../../core/errors';
import type { IndexedPause } from '../../core/ports/pause-index';
import { type PauseIndexUnderTest, describePauseIndexConformance } from '../conformance/pause-index.suite';
import { type SpawnedRedisServer, spawnRedisServer } from '../harness/redis-server';
import { harnessEnv } from '../support/harness-env';

const sharedUrl = (): string => harnessEnv('STEPSTACK_TEST_REDIS_URL');

let prefixNumber = 0;
const uniquePrefix = (label: string): string => `${label}-${process.pid}-${Date.now()}-${(prefixNumber += 1)}`;

/** As the state store wraps its calls: every failure to reach Redis is a PlatformError. */
const wrapAsStore: RedisCallWrapper = async (operation, work) => {
  try {
    return await work();
  } catch (error) {
    throw new PlatformError(`redis ${operation} failed: ${errorMessage(error)}`, { cause: error });
  }
};

/** Redis's glob: escape what MATCH would read as a pattern. */
const globEscaped = (text: string): string => text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);

async function scanKeys(admin: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/** An index on `url` under a prefix of its own; `admin` is a plain client to the same server (one node, also in cluster mode). */
function underTest(url: string, cluster: boolean, options: RedisPauseIndexOptions = {}): PauseIndexUnderTest & { client: RedisClient; prefix: string } {
  const prefix = uniquePrefix(cluster ? 'pauses-cluster' : 'pauses');
  const client = connectRedis({ url, cluster });
  const admin = new Redis(url);
  const keysOf = pauseKeysFor(prefix);
  return {
    client,
    prefix,
    index: new RedisPauseIndex(client, prefix, wrapAsStore, options),
    async replaceRecord(eventName, pauseId, json) {
      const keys = keysOf(eventName);
      const place = await admin.hget(keys.where, pauseId);
      if (place === null) throw new Error(`pause ${pauseId} is not indexed`);
      await admin.hset(bucketOfPlace(keys, place).bucket, pauseId, json);
    },
    async footprint(eventName) {
      const keys = keysOf(eventName);
      const buckets = await scanKeys(admin, `${globEscaped(keys.unkeyed.slice(0, -':u'.length))}:[uk]*`);
      return { pauses: await admin.hlen(keys.where), expiries: await admin.zcard(keys.expiries), buckets: buckets.length };
    },
    async cleanup() {
      await Promise.all((await scanKeys(admin, `${prefix}:*`)).map((key) => admin.del(key)));
      await admin.quit();
      await client.quit();
    },
  };
}

const pause = (id: string, event: string, extra: Partial<IndexedPause> = {}): IndexedPause => ({
  id, runId: `run-${id}`, functionId: 'fn', kind: 'cancel', event, expiresAt: Date.now() + 60_000, ...extra,
});

describePauseIndexConformance('redis', async () => underTest(sharedUrl(), false));

describe('redis pause index', () => {
  it('turns a failure to reach Redis into the store error, but refuses a record of another format as itself', async () => {
    // Prepare
    const made = underTest(sharedUrl(), false);
    const event = { name: 'test/format', data: { id: 'a' }, id: 'e1', ts: 1 };
    await made.index.indexPause(pause('p', event.name, { key: { path: ['data', 'id'], value: '"a"' } }));
    await made.replaceRecord(event.name, 'p', JSON.stringify({ ...pause('p', event.name), format: 7 }));
    // Act
    const refused = await made.index.candidatesFor(event, Date.now()).catch((error: unknown) => error);
    await made.cleanup();
    const unreachable = await made.index.candidatesFor(event, Date.now()).catch((error: unknown) => error);
    // Assess
    expect(refused).not.toBeInstanceOf(PlatformError);
    expect(String(refused)).toMatch(/format version 7/);
    expect(unreachable).toBeInstanceOf(PlatformError);
    expect(String(unreachable)).toMatch(/redis candidatesFor failed/);
  });

  it('looks up in one round trip while the keyed paths hold, and sees paths another client added or removed', async () => {
    // Prepare
    const reader = underTest(sharedUrl(), false);
    const writer = new RedisPauseIndex(reader.client, reader.prefix, wrapAsStore);
    const name = 'test/paths';
    const event = { name, data: { id: 'a', other: 'b' }, id: 'e', ts: 1 };
    const now = Date.now();
    await writer.indexPause(pause('by-id', name, { key: { path: ['data', 'id'], value: '"a"' } }));
    await reader.index.candidatesFor(event, now);
    const commands: string[] = [];
    const onStart = (message: unknown): void => void commands.push((message as { command: string }).command.toLowerCase());
    diagnostics.subscribe('tracing:ioredis:command:start', onStart);
    // Act
    const steady = await reader.index.candidatesFor(event, now);
    const steadyCommands = commands.splice(0);
    await writer.dropPause(name, 'by-id');
    await writer.indexPause(pause('by-other', name, { key: { path: ['data', 'other'], value: '"b"' } }));
    const afterSwap = await reader.index.candidatesFor(event, now);
    await writer.indexPause(pause('by-id-again', name, { key: { path: ['data', 'id'], value: '"a"' } }));
    const afterAdd = await reader.index.candidatesFor(event, now);
    diagnostics.unsubscribe('tracing:ioredis:command:start', onStart);
    await reader.cleanup();
    // Assess
    expect(steady.map(({ id }) => id)).toEqual(['by-id']);
    expect(steadyCommands).toEqual(['evalsha']);
    expect(afterSwap.map(({ id }) => id)).toEqual(['by-other']);
    expect(afterAdd.map(({ id }) => id).sort()).toEqual(['by-id-again', 'by-other']);
  });

  it('names buckets of long values by a hash: no key name grows with the value', async () => {
    // Prepare
    const made = underTest(sharedUrl(), false);
    const admin = new Redis(sharedUrl());
    const long = JSON.stringify('v'.repeat(50_000));
    const name = 'test/long-values';
    // Act
    await made.index.indexPause(pause('p', name, { key: { path: ['data', 'text'], value: long } }));
    const found = await made.index.candidatesFor({ name, data: { text: 'v'.repeat(50_000) }, id: 'e', ts: 1 }, Date.now());
    const keys = await scanKeys(admin, `${globEscaped(made.prefix)}:*`);
    await admin.quit();
    await made.cleanup();
    // Assess
    expect(found.map(({ id }) => id)).toEqual(['p']);
    expect(keys.length).toBe(4);
    expect(Math.max(...keys.map((key) => key.length))).toBeLessThan(200);
  });

  it('lets Redis expire the keys of an event name that no event reaches, after its last pause expired', async () => {
    // Prepare
    const made = underTest(sharedUrl(), false, { keyTtlMarginMs: 0 });
    const admin = new Redis(sharedUrl());
    const name = 'test/abandoned';
    const soon = Date.now() + 300;
    await made.index.indexPause(pause('keyed', name, { key: { path: ['data', 'id'], value: '"a"' }, expiresAt: soon }));
    await made.index.indexPause(pause('unkeyed', name, { expiresAt: soon }));
    await made.index.indexPause(pause('later', name, { key: { path: ['data', 'id'], value: '"b"' }, expiresAt: soon + 200 }));
    const keys = await scanKeys(admin, `${globEscaped(made.prefix)}:*`);
    const deadlines = await Promise.all(keys.map((key) => admin.pexpiretime(key)));
    // Act
    let left = keys;
    while (left.length > 0 && Date.now() < soon + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = await scanKeys(admin, `${globEscaped(made.prefix)}:*`);
    }
    await admin.quit();
    await made.cleanup();
    // Assess
    expect(keys.length).toBe(6);
    expect(deadlines.sort()).toEqual([soon, soon, soon + 200, soon + 200, soon + 200, soon + 200]);
    expect(left).toEqual([]);
  });

  describe('in cluster mode', () => {
    let cluster: SpawnedRedisServer;

    beforeAll(async () => {
      cluster = await spawnRedisServer({ cluster: true });
    });

    afterAll(async () => {
      await cluster?.stop();
    });

    describePauseIndexConformance('redis cluster mode', async () => underTest(cluster.url, true));

    it('keeps the keys of every script call of one event name in one slot, for each of its scripts', async () => {
      // Prepare
      const made = underTest(cluster.url, true);
      const admin = new Redis(cluster.url);
      const name = 'test/slots-{x}:y';
      const calls: string[][] = [];
      const onStart = (message: unknown): void => {
        const { command, args } = message as { command: string; args: string[] };
        if (command.toLowerCase().startsWith('eval')) calls.push(args);
      };
      diagnostics.subscribe('tracing:ioredis:command:start', onStart);
      // Act
      const [soon, later] = [Date.now() + 60_000, Date.now() + 86_400_000];
      await made.index.indexPause(pause('a', name, { key: { path: ['data', 'id'], value: '"1"' }, expiresAt: soon }));
      await made.index.indexPause(pause('b', name, { key: { path: ['data', 'id'], value: '"2"' }, expiresAt: later }));
      await made.index.indexPause(pause('b', name, { key: { path: ['data', 'other'], value: '"2"' }, expiresAt: later }));
      await made.index.indexPause(pause('c', name, { expiresAt: later }));
      const found = await made.index.candidatesFor({ name, data: { id: '2', other: '2' }, id: 'e', ts: 1 }, soon + 1);
      await made.index.dropPause(name, 'c');
      diagnostics.unsubscribe('tracing:ioredis:command:start', onStart);
      const slotsPerCall = await Promise.all(calls.map(async (args) => {
        const keys = args.slice(2, 2 + Number(args[1]));
        return new Set(await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key)))).size;
      }));
      await admin.quit();
      await made.cleanup();
      // Assess
      expect(found.map(({ id }) => id).sort()).toEqual(['b', 'c']);
      // index x4 (the third moves: refused, drop, index again), candidates x2 (paths first unknown), drop expired, drop.
      expect(calls.length).toBe(10);
      expect(slotsPerCall.every((slots) => slots === 1)).toBe(true);
    });
  });
});
