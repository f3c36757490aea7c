import { createHash } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { createRedisStateStore } from '../../adapters/redis';
import { keysFor } from '../../adapters/redis/keys';
import { SCRIPT_KEY_COUNTS } from '../../adapters/redis/scripts';
import { PlatformError } from '../../core/errors';
import type { FunctionDefinition } from '../../core/functions/definition';
import type { StateStore } from '../../core/ports/state';
import { completeStep, completionOf, plannedRun } from '../support/runs';
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
  cancel: [{ event: 'test/never' }],
  steps: {
    a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] },
    wait: { runtime: { type: 'http', url: 'http://127.0.0.1:9/wait' }, after: [{ step: 'a', wait: '1h' }] },
  },
};

/** Rewrite the format field of a stored run, as a release of another format would have written it. */
async function writeFormat(url: string, prefix: string, runId: string, format: number): Promise<void> {
  const client = new Redis(url);
  await client.hset(keysFor(prefix).run(runId).meta, 'format', String(format));
  await client.quit();
}

/** Every operation of the store once, with ids full of characters that could break a hash tag. */
async function workout(store: StateStore, id: string): Promise<void> {
  const run = plannedRun(definition, Date.now(), { id });
  await store.createRun(run);
  await store.loadRun(id);
  await store.leaseStep({ runId: id, stepId: 'a', attempt: 0, owner: 'w|1', leaseMs: 5000, now: Date.now() });
  await store.renewLease({ runId: id, stepId: 'a', attempt: 0, owner: 'w|1', leaseMs: 5000, now: Date.now() });
  await store.readOutputs(id, ['a']);
  await store.releaseLease(id, 'a', 'w|1');
  await completeStep(store, run, 'a', Date.now(), { ok: true });
  await store.fireTimer({ runId: id, timerId: 'edge:wait:0', now: Date.now() });
  await store.resumePause({ runId: id, pauseId: `${id}/cancel/0`, event: { name: 'test/never', data: {}, id: 'x', ts: 1 }, now: Date.now() });
  await store.endRun({ runId: id, status: 'Cancelled', reason: 'workout', now: Date.now() });
  await store.indexPause({ id: `${id}-pause`, runId: id, functionId: definition.id, kind: 'async', event: 'email/opened', expiresAt: Date.now() + 60_000 });
  await store.candidatesFor({ name: 'email/opened', data: {}, id: 'e', ts: 1 }, Date.now());
  await store.dropPause('email/opened', `${id}-pause`);
  await store.saveEvent(run.event, 60_000);
  await store.getEvent(run.event.id);
  await store.linkRun(run.event.id, id, 60_000);
  await store.runsForEvent(run.event.id);
  await store.claimKey(`cron:${definition.id}`, id, 60_000);
  await store.claimRun({ eventId: run.event.id, key: `run:${definition.id}:${run.event.id}`, runId: id, ttlMs: 60_000, linkTtlMs: 60_000 });
  await store.saveDeadEvent({ event: run.event, deadAt: Date.now(), receiveCount: 5 }, 60_000);
  await store.listDeadEvents(10);
  await store.takeDeadEvent(run.event.id);
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
    writeRunFormat: (runId, format) => writeFormat(sharedUrl(), keyPrefix, runId, format),
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
    expect(loaded).toMatchObject({ status: 'Cancelled', reason: "cancelled by event 'test/never' (x)" });
    expect(loaded?.outputs).toEqual({ a: { ok: true } });
    expect(recorder.commands.filter(({ command }) => command.startsWith('eval')).length).toBeGreaterThanOrEqual(14);
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
    // Every run-store script ran, and the pause index's (a first call on a connection sends the script itself, later ones its SHA1).
    const shas = scriptCalls.map(({ command, args }) => (command === 'eval' ? createHash('sha1').update(args[0]!).digest('hex') : args[0]));
    expect(new Set(shas).size).toBeGreaterThanOrEqual(Object.keys(SCRIPT_KEY_COUNTS).length);
    expect(slotsPerCall.every((slots) => slots === 1)).toBe(true);
    expect(scriptCalls.every(({ args }) => Number(args[1]) >= 1)).toBe(true);
  });

  describeStateStoreConformance('redis cluster mode', async ({ retentionMs }) => {
    const keyPrefix = uniquePrefix('cluster');
    const store = createRedisStateStore({ url: cluster.url, cluster: true, keyPrefix, retentionMs });
    return { store, writeRunFormat: (runId, format) => writeFormat(cluster.url, keyPrefix, runId, format), cleanup: () => store.close() };
  });
});

describe('redis state store', () => {
  it('stores the steps of a run of more than a dozen steps as a hash table, and those of a smaller one compact', async () => {
    // Prepare
    const keyPrefix = uniquePrefix('encoding');
    const store = createRedisStateStore({ url: sharedUrl(), keyPrefix });
    const admin = new Redis(sharedUrl());
    const chainOf = (length: number): FunctionDefinition => ({
      id: `chain-${length}`, name: 'chain', triggers: [{ event: 'test/go' }],
      steps: Object.fromEntries(Array.from({ length }, (_, i) => [`s${i}`, {
        runtime: { type: 'http' as const, url: `http://127.0.0.1:9/s${i}` }, after: [{ step: i === 0 ? '$trigger' : `s${i - 1}` }],
      }])),
    });
    const [small, large] = [plannedRun(chainOf(10), Date.now()), plannedRun(chainOf(20), Date.now())];
    // Act
    await store.createRun(small!);
    await store.createRun(large!);
    await completeStep(store, large!, 's0', Date.now());
    const encodings = await Promise.all([small!, large!].map((run) => admin.object('ENCODING', keysFor(keyPrefix).run(run.id).steps)));
    const loaded = await store.loadRun(large!.id);
    await store.close();
    await deleteKeys(sharedUrl(), keyPrefix);
    await admin.quit();
    // Assess
    // A listpack is scanned at each field a commit reads or writes (adapters/redis/lua/create-run-7.ts).
    expect(encodings).toEqual(['listpack', 'hashtable']);
    expect(Object.keys(loaded?.steps ?? {})).toHaveLength(20);
    expect(loaded?.steps.s1?.status).toBe('Scheduled');
  });

  it('leaves no key of a run without an expiry while leases pass along a chain, a timer is set and the run ends', async () => {
    // Prepare
    const retentionMs = 600_000;
    const keyPrefix = uniquePrefix('expiry');
    const store = createRedisStateStore({ url: sharedUrl(), keyPrefix, retentionMs });
    const admin = new Redis(sharedUrl());
    const chain: FunctionDefinition = {
      id: 'expiry', name: 'expiry', triggers: [{ event: 'test/go' }],
      steps: {
        a: { runtime: { type: 'http', url: 'http://127.0.0.1:9/a' }, after: [{ step: '$trigger' }] },
        b: { runtime: { type: 'http', url: 'http://127.0.0.1:9/b' }, after: [{ step: 'a' }] },
        c: { runtime: { type: 'http', url: 'http://127.0.0.1:9/c' }, after: [{ step: 'b' }] },
        later: { runtime: { type: 'http', url: 'http://127.0.0.1:9/later' }, after: [{ step: 'c', wait: '1h' }] },
      },
    };
    const run = plannedRun(chain, Date.now());
    const lease = { owner: 'w/1', until: Date.now() + 60_000 };
    const keysWithoutExpiry = async (): Promise<string[]> => {
      const keys = await admin.keys(`${keyPrefix}:*`);
      const ttls = await Promise.all(keys.map((key) => admin.pttl(key)));
      return keys.filter((_, i) => ttls[i]! < retentionMs - 60_000);
    };
    const seen: string[][] = [];
    // Act
    await store.createRun(run);
    await store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: lease.owner, leaseMs: 60_000, now: Date.now() });
    // a's commit makes the outputs hash and hands its lease on to b.
    await store.commitAttempt({ ...completionOf(run, 'a', Date.now()), release: { owner: lease.owner }, leaseNext: lease });
    seen.push(await keysWithoutExpiry());
    // With b's lease gone the leases hash is deleted; b's commit makes it again for c.
    await store.releaseLease(run.id, 'b', lease.owner);
    await store.commitAttempt({ ...completionOf(run, 'b', Date.now()), leaseNext: lease });
    seen.push(await keysWithoutExpiry());
    // c's commit sets the timer of `later` (the waits hash).
    await store.commitAttempt({ ...completionOf(run, 'c', Date.now()), release: { owner: lease.owner } });
    seen.push(await keysWithoutExpiry());
    await store.endRun({ runId: run.id, status: 'Cancelled', reason: 'done', now: Date.now() });
    seen.push(await keysWithoutExpiry());
    const keys = await admin.keys(`${keyPrefix}:*`);
    const longest = Math.max(...await Promise.all(keys.map((key) => admin.pttl(key))));
    await store.close();
    await deleteKeys(sharedUrl(), keyPrefix);
    await admin.quit();
    // Assess
    expect(seen).toEqual([[], [], [], []]);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    // Kept at most 1/64 of the retention longer (adapters/redis/lua/graph.ts ttl_of).
    expect(longest).toBeLessThanOrEqual(retentionMs + retentionMs / 64);
  });

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

  it('names keys with the hash tags of the layout: run, event, key, registry, dead events', () => {
    // Prepare
    const keys = keysFor('ss');
    // Act
    const run = keys.run('01J');
    const event = keys.event('e1');
    // Assess
    expect(run.all).toEqual(['ss:{r:01J}:m', 'ss:{r:01J}:s', 'ss:{r:01J}:o', 'ss:{r:01J}:l', 'ss:{r:01J}:w', 'ss:{r:01J}:fn', 'ss:{r:01J}:ev']);
    expect([event.event, event.runs, event.runClaim('run:f:e1')]).toEqual(['ss:{e:e1}', 'ss:{e:e1}:runs', 'ss:{e:e1}:k:run:f:e1']);
    expect(keys.claim('run:f:e1')).toBe('ss:{k:run:f:e1}');
    expect(keys.dead).toEqual({ records: 'ss:{dead}', byTime: 'ss:{dead}:t' });
    expect(keys.functions).toEqual({ registry: 'ss:{fns}', version: 'ss:{fns}:ver' });
    expect(() => keysFor('a{b}')).toThrow(/without braces/);
  });

  it('sends a script its arguments as one JSON array, which keeps any text (a lone surrogate becomes U+FFFD, as in UTF-8)', async () => {
    // Prepare
    const store = createRedisStateStore({ url: sharedUrl(), keyPrefix: uniquePrefix('packed') });
    const value = 'naïve ☃ \u{1F600} "quoted" back\\slash \u0000 lone \ud800 end';
    const recorded = recordCommands();
    // Act
    const held = await store.claimKey('run:f:e-packed', value, 60_000);
    recorded.stop();
    // Assess
    expect(held).toBe(value.replace('\ud800', '\ufffd'));
    const call = recorded.commands.find((command) => command.command === 'evalsha' || command.command === 'eval');
    // evalsha sha, key count, the key, then ARGV
    expect(call?.args.slice(3)).toEqual([JSON.stringify([value.toWellFormed(), '60000'])]);
    await store.close();
  });

  it('writes only what a step changes: a commit does not grow with the run or rewrite its event', async () => {
    // Prepare
    const keyPrefix = uniquePrefix('per-step');
    const store = createRedisStateStore({ url: sharedUrl(), keyPrefix });
    const raw = new Redis(sharedUrl());
    const wide = {
      ...definition, cancel: [],
      steps: Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`s${i}`, { runtime: definition.steps.a!.runtime, after: [{ step: '$trigger' }] }])),
    };
    const run = plannedRun(wide, Date.now(), { id: 'big-event', event: { name: 'test/go', data: { blob: 'x'.repeat(100_000) }, id: 'e-big', ts: 1 } });
    await store.createRun(run);
    // A first commit loads the script into the server (its text is then sent once, not per call).
    await completeStep(store, run, 's1', Date.now(), { n: 's1' });
    const written: number[] = [];
    // Act
    for (const stepId of ['s0', 's199']) {
      await raw.config('RESETSTAT');
      const before = Number(/total_net_input_bytes:(\d+)/.exec(await raw.info('stats'))?.[1]);
      await completeStep(store, run, stepId, Date.now(), { n: stepId });
      written.push(Number(/total_net_input_bytes:(\d+)/.exec(await raw.info('stats'))?.[1]) - before);
    }
    const loaded = await store.loadRun('big-event');
    // Assess
    expect(written.every((bytes) => bytes < 2_000)).toBe(true);
    expect(loaded?.event).toEqual(run.event);
    expect(loaded?.outputs).toEqual({ s0: { n: 's0' }, s1: { n: 's1' }, s199: { n: 's199' } });
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

    it('costs two round trips per step: leaseStep then commitAttempt, one script each', async () => {
      // Prepare
      const store = createRedisStateStore({ url: server.url, keyPrefix: uniquePrefix('trips') });
      const admin = new Redis(server.url);
      await workout(store, 'warm-up');
      const run = plannedRun(definition, Date.now(), { id: 'one-step' });
      await store.createRun(run);
      await admin.config('RESETSTAT');
      const recorder = recordCommands();
      // Act
      const lease = await store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'w', leaseMs: 5000, now: Date.now() });
      const committed = await completeStep(store, run, 'a', Date.now(), { body: 'done' });
      recorder.stop();
      const stats = await admin.info('commandstats');
      // Assess
      expect(lease.status).toBe('leased');
      expect(committed.outcome).toBe('committed');
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
      const run = plannedRun(definition, Date.now(), { id: 'survivor' });
      await store.createRun(run);
      await server.kill('SIGTERM');
      // Act
      const loading = store.loadRun(run.id);
      const leasing = store.leaseStep({ runId: run.id, stepId: 'a', attempt: 0, owner: 'w', leaseMs: 5000, now: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await server.restart();
      const [loaded, lease] = await Promise.all([loading, leasing]);
      const committed = await completeStep(store, run, 'a', Date.now(), 1);
      // Assess
      expect(loaded).toMatchObject({ id: run.id, status: 'Running', event: run.event });
      expect(lease.status).toBe('leased');
      expect(committed.outcome).toBe('committed');
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
