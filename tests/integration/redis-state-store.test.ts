import { createHash } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { createRedisStateStore } from '../../adapters/redis';
import { keysFor } from '../../adapters/redis/keys';
import { PlatformError } from '../../core/errors';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { StateStore } from '../../core/ports/state';
import type { RunDoc } from '../../core/run/run';
import { describeStateStoreConformance } from '../conformance/state-store.suite';
import { type SpawnedRedisServer, spawnRedisServer } from '../harness/redis-server';
import { harnessEnv } from '../support/harness-env';

const sharedUrl = (): string => harnessEnv('STEPSTACK_TEST_REDIS_URL');

let prefixNumber = 0;
/** A key prefix no other run or test uses. */
const uniquePrefix = (label: string): string => `${label}-${process.pid}-${Date.now()}-${(prefixNumber += 1)}`;

/** Delete every key under `prefix`. */
async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      // One DEL per key: keys of different hash tags may not share a command on a cluster.
      await Promise.all(keys.map((key) => client.del(key)));
    } while (cursor !== '0');
  } finally {
    await client.quit();
  }
}

/** The commands ioredis writes to Redis (one per round trip: the store uses no pipelines), from its diagnostics channel. */
function recordCommands(): { commands: { command: string; args: string[] }[]; stop(): void } {
  const commands: { command: string; args: string[] }[] = [];
  const onStart = (message: unknown): void => {
    const { command, args } = message as { command: string; args: string[] };
    commands.push({ command: command.toLowerCase(), args });
  };
  diagnostics.subscribe('tracing:ioredis:command:start', onStart);
  return { commands, stop: () => diagnostics.unsubscribe('tracing:ioredis:command:start', onStart) };
}

const definition: FunctionDefinition = {
  id: 'redis-only', name: 'Redis only', triggers: [{ event: 'test/go' }],
  steps: { a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] } },
};

function newRun(id: string): RunDoc {
  return {
    id, functionId: definition.id, functionHash: 'h', eventId: `event-of-${id}`,
    event: { name: 'test/go', data: {}, id: `event-of-${id}`, ts: Date.now() }, status: 'Running', startedAt: Date.now(), version: 1,
    steps: { a: { status: 'Scheduled', attempt: 0, attempts: 0, errors: [], edges: ['fired'], async: null } },
    pauses: {}, timers: {}, output: null,
  };
}

/** Every operation of the store once, with ids full of characters that could break a hash tag. */
async function workout(store: StateStore, id: string): Promise<void> {
  const doc = newRun(id);
  await store.createRun(doc, definition);
  await store.loadRun(id);
  await store.leaseStep({ runId: id, stepId: 'a', owner: 'w|1', leaseMs: 5000, now: Date.now() });
  await store.renewLease({ runId: id, stepId: 'a', owner: 'w|1', leaseMs: 5000, now: Date.now() });
  await store.commitRun({ ...doc, version: 2 }, { a: { ok: true } }, { stepId: 'a', owner: 'w|1' });
  await store.releaseLease(id, 'a', 'w|1');
  await store.addPause({ id: `${id}-pause`, runId: id, event: 'email/opened', expiresAt: Date.now() + 60_000 });
  await store.pausesFor('email/opened', Date.now());
  await store.removePause('email/opened', `${id}-pause`);
  await store.saveEvent(doc.event, 60_000);
  await store.getEvent(doc.event.id);
  await store.linkRun(doc.event.id, id, 60_000);
  await store.runsForEvent(doc.event.id);
  await store.claimKey(`run:${definition.id}:${doc.event.id}`, id, 60_000);
  await store.putFunction(definition);
  await store.getFunction(definition.id);
  await store.listFunctions();
  await store.deleteFunction(definition.id);
  await store.functionsVersion();
}

describeStateStoreConformance('redis', async ({ retentionMs }) => {
  const keyPrefix = uniquePrefix('conformance');
  const store = createRedisStateStore({ url: sharedUrl(), keyPrefix, retentionMs });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await deleteKeys(sharedUrl(), keyPrefix);
    },
  };
});

describe('redis state store in cluster mode', () => {
  let cluster: SpawnedRedisServer;

  beforeAll(async () => {
    cluster = await spawnRedisServer({ cluster: true });
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs on a server that refuses scripts across slots, as ElastiCache cluster mode does', async () => {
    // Prepare
    const client = new Redis(cluster.url);
    const [first, second] = ['a', 'b'].map((tag) => `{${tag}}:key`);
    // Act
    const crossSlot = client.eval("return redis.call('GET', KEYS[1])", 2, first!, second!);
    // Assess
    await expect(crossSlot).rejects.toThrow(/CROSSSLOT/);
    await client.quit();
  });

  it('does every operation on a cluster, through the cluster client', async () => {
    // Prepare
    const store = createRedisStateStore({ url: cluster.url, cluster: true, keyPrefix: uniquePrefix('cluster') });
    const recorder = recordCommands();
    // Act
    await workout(store, 'run-{with}-braces}');
    const loaded = await store.loadRun('run-{with}-braces}');
    recorder.stop();
    await store.close();
    // Assess
    expect(loaded?.doc.version).toBe(2);
    expect(loaded?.outputs).toEqual({ a: { ok: true } });
    expect(recorder.commands.filter(({ command }) => command.startsWith('eval')).length).toBeGreaterThanOrEqual(12);
  });

  it('keeps the keys of every script call in one slot (hash tags), for every script', async () => {
    // Prepare
    const store = createRedisStateStore({ url: cluster.url, cluster: true, keyPrefix: uniquePrefix('slots') });
    const admin = new Redis(cluster.url);
    const recorder = recordCommands();
    // Act
    await workout(store, 'run-{x}:y');
    recorder.stop();
    await store.close();
    const scriptCalls = recorder.commands.filter(({ command }) => command === 'evalsha' || command === 'eval');
    const slotsPerCall = await Promise.all(scriptCalls.map(async ({ args }) => {
      const keys = args.slice(2, 2 + Number(args[1]));
      return new Set(await Promise.all(keys.map((key) => admin.cluster('KEYSLOT', key)))).size;
    }));
    await admin.quit();
    // Assess
    // Each of the 11 scripts ran (a first call on a connection sends the script itself, later ones its SHA1).
    const shas = scriptCalls.map(({ command, args }) => (command === 'eval' ? createHash('sha1').update(args[0]!).digest('hex') : args[0]));
    expect(new Set(shas).size).toBe(11);
    expect(slotsPerCall.every((slots) => slots === 1)).toBe(true);
    expect(scriptCalls.every(({ args }) => Number(args[1]) >= 1)).toBe(true);
  });

  describeStateStoreConformance('redis cluster mode', async ({ retentionMs }) => {
    const store = createRedisStateStore({ url: cluster.url, cluster: true, keyPrefix: uniquePrefix('cluster'), retentionMs });
    return { store, cleanup: () => store.close() };
  });
});

describe('redis state store', () => {
  it('refuses a URL that is not redis:// or rediss://, without echoing it', () => {
    // Prepare
    const urls = ['http://user:secret@host:6379', 'not a url'];
    // Act
    const errors = urls.map((url) => {
      try {
        createRedisStateStore({ url });
        return undefined;
      } catch (error) {
        return String(error);
      }
    });
    // Assess
    expect(errors.every((message) => /redis:\/\//.test(message ?? ''))).toBe(true);
    expect(errors.some((message) => message?.includes('secret'))).toBe(false);
  });

  it('names keys with the hash tags of the layout: run, pauses, event, key, registry', () => {
    // Prepare
    const keys = keysFor('ss');
    // Act
    const run = keys.run('01J');
    const event = keys.event('e1');
    // Assess
    expect(run).toEqual({
      doc: 'ss:{r:01J}:doc', version: 'ss:{r:01J}:ver', outputs: 'ss:{r:01J}:out', definition: 'ss:{r:01J}:fn', leases: 'ss:{r:01J}:lease', trigger: 'ss:{r:01J}:evt',
    });
    expect(event).toEqual({ event: 'ss:{e:e1}', runs: 'ss:{e:e1}:runs' });
    expect([keys.pauses('email/opened'), keys.claim('run:f:e1')]).toEqual(['ss:{p:email/opened}', 'ss:{k:run:f:e1}']);
    expect(keys.functions).toEqual({ registry: 'ss:{fns}', version: 'ss:{fns}:ver' });
    expect(() => keysFor('a{b}')).toThrow(/without braces/);
  });

  it('keeps the trigger event out of the document that every commit rewrites', async () => {
    // Prepare
    const keyPrefix = uniquePrefix('trigger');
    const store = createRedisStateStore({ url: sharedUrl(), keyPrefix });
    const raw = new Redis(sharedUrl());
    const doc = { ...newRun('big-event'), event: { name: 'test/go', data: { blob: 'x'.repeat(100_000) }, id: 'e-big', ts: 1 } };
    await store.createRun(doc, definition);
    // Act
    await store.commitRun({ ...doc, version: 2 }, {});
    const stored = await raw.get(keysFor(keyPrefix).run('big-event').doc);
    const loaded = await store.loadRun('big-event');
    // Assess
    expect(stored!.length).toBeLessThan(2_000);
    expect(loaded?.doc).toEqual({ ...doc, version: 2 });
    await raw.quit();
    await store.close();
  });

  describe('on a server of its own', () => {
    let server: SpawnedRedisServer;

    beforeAll(async () => {
      server = await spawnRedisServer({});
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('costs two round trips per step: leaseStep then commitRun', async () => {
      // Prepare
      const store = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('trips') });
      const admin = new Redis(server.url);
      await workout(store, 'warm-up');
      const doc = newRun('one-step');
      await store.createRun(doc, definition);
      await admin.config('RESETSTAT');
      const recorder = recordCommands();
      // Act
      const lease = await store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'w', leaseMs: 5000, now: Date.now() });
      const committed = await store.commitRun({ ...doc, version: 2 }, { a: { body: 'done' } }, { stepId: 'a', owner: 'w' });
      recorder.stop();
      const stats = await admin.info('commandstats');
      // Assess
      expect(lease.status).toBe('leased');
      expect(committed).toBe(true);
      expect(recorder.commands.map(({ command }) => command)).toEqual(['evalsha', 'evalsha']);
      const scriptCalls = [...stats.matchAll(/cmdstat_(evalsha|eval):calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[2]), 0);
      expect(scriptCalls).toBe(2);
      await store.close();
      await admin.quit();
    });
  });

  describe('with a password (requirepass)', () => {
    const password = 'p@ss word/1';
    let server: SpawnedRedisServer;

    beforeAll(async () => {
      server = await spawnRedisServer({ password });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('authenticates with the password from the URL, with or without a user name', async () => {
      // Prepare
      const withoutUser = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('auth') });
      const withUser = createRedisStateStore({ url: server.url.replace('redis://:', 'redis://default:'), keyPrefix: uniquePrefix('auth') });
      // Act
      const claimed = await withoutUser.claimKey('k', 'v', 60_000);
      const pinged = withUser.ping();
      // Assess
      expect(claimed).toBe('v');
      await expect(pinged).resolves.toBeUndefined();
      await Promise.all([withoutUser.close(), withUser.close()]);
    });

    it('fails with PlatformError, in bounded time, when the password is wrong', async () => {
      // Prepare
      const store = createRedisStateStore({ url: `redis://:wrong@127.0.0.1:${server.port}`, maxWaitMs: 1000 });
      const started = Date.now();
      // Act
      const pinged = store.ping();
      // Assess
      await expect(pinged).rejects.toBeInstanceOf(PlatformError);
      await expect(pinged).rejects.toThrow(/WRONGPASS|NOAUTH/);
      expect(Date.now() - started).toBeLessThan(3000);
      await store.close();
    });
  });

  describe('over TLS (rediss://, as ElastiCache in-transit encryption)', () => {
    let server: SpawnedRedisServer;

    beforeAll(async () => {
      server = await spawnRedisServer({ tls: true, password: 'secret' });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('talks TLS with AUTH from the URL when the certificate is trusted', async () => {
      // Prepare
      const store = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('tls'), tls: { ca: server.ca } });
      // Act
      const claimed = await store.claimKey('k', 'over-tls', 60_000);
      const again = await store.claimKey('k', 'other', 60_000);
      // Assess
      expect(server.url).toMatch(/^rediss:\/\//);
      expect([claimed, again]).toEqual(['over-tls', 'over-tls']);
      await store.close();
    });

    it('refuses a server whose certificate it does not trust, and plain text to a TLS port', async () => {
      // Prepare
      const untrusted = createRedisStateStore({ url: server.url, maxWaitMs: 700 });
      const plain = createRedisStateStore({ url: server.url.replace('rediss://', 'redis://'), maxWaitMs: 700 });
      // Act
      const failures = await Promise.all([untrusted.ping(), plain.ping()].map((call) => call.catch((error: unknown) => error)));
      // Assess
      expect(failures[0]).toBeInstanceOf(PlatformError);
      expect(String(failures[0])).toMatch(/certificate/);
      expect(failures[1]).toBeInstanceOf(PlatformError);
      await Promise.all([untrusted.close(), plain.close()]);
    });
  });

  describe('while Redis restarts', () => {
    let server: SpawnedRedisServer;

    beforeAll(async () => {
      server = await spawnRedisServer({ appendonly: true });
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('lets calls made while Redis is down wait for it and succeed', async () => {
      // Prepare
      const store = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('restart'), maxWaitMs: 5000 });
      const doc = newRun('survivor');
      await store.createRun(doc, definition);
      await server.kill('SIGTERM');
      // Act
      const loading = store.loadRun(doc.id);
      const leasing = store.leaseStep({ runId: doc.id, stepId: 'a', owner: 'w', leaseMs: 5000, now: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.restart();
      const [loaded, lease] = await Promise.all([loading, leasing]);
      const committed = await store.commitRun({ ...doc, version: 2 }, { a: 1 }, { stepId: 'a', owner: 'w' });
      // Assess
      expect(loaded?.doc).toEqual(doc);
      expect(lease.status).toBe('leased');
      expect(committed).toBe(true);
      await store.close();
    });

    it('fails calls with PlatformError after the bounded wait while Redis stays down, and recovers after', async () => {
      // Prepare
      const store = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('down'), maxWaitMs: 500 });
      await store.ping();
      await server.kill('SIGTERM');
      const started = Date.now();
      // Act
      const failure = await store.ping().catch((error: unknown) => error);
      const waitedMs = Date.now() - started;
      await server.restart();
      const again = store.ping();
      // Assess
      expect(failure).toBeInstanceOf(PlatformError);
      expect(waitedMs).toBeGreaterThanOrEqual(400);
      expect(waitedMs).toBeLessThan(2000);
      await expect(again).resolves.toBeUndefined();
      await store.close();
    });
  });
});
