import type { StepstackEvent } from '../../../core/events/event';
import {
  type BatchAnswer, type FlowSkip, type FlowStore, type SkipReason, type SlotAnswer, type SlotPass, type SlotRelease, type SlotRequest, type SlotWake, type ThrottleRequest, type ThrottleWake,
  THROTTLE_REPLAY_MS, THROTTLE_TIMER_LOST_MS,
} from '../../../core/ports/flow-store';
import type { RedisClient } from '../client';
import { addToBatch, debounce, rateLimit, releaseBatch, swapSingleton, takeBatch, takeDebounced, throttleStart, throttleWaiter, wakeThrottle } from './gate-scripts';
import { acquireSlot, passSlot, releaseSlot, renewSlot, wakeSlots } from './slot-scripts';

const SCRIPTS = { acquireSlot, releaseSlot, passSlot, wakeSlots, renewSlot, throttleStart, wakeThrottle, throttleWaiter, rateLimit, swapSingleton, debounce, takeDebounced, addToBatch, takeBatch, releaseBatch } as const;
type FlowScript = keyof typeof SCRIPTS;

/** Calls to Redis, made faults of the platform when they fail (the state store's wrapper). */
export type Call = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

const ms = (value: number): string => String(Math.max(1, Math.ceil(value)));
const int = (value: number): string => String(Math.floor(value));

/**
 * Flow control's counters on Redis: one hash tag per key (`{fc:<key>}` for a concurrency key, ...),
 * so that every script touches one slot and cluster mode works. Scripts are registered on the state
 * store's client under `flow_`-prefixed names.
 */
export class RedisFlowStore implements FlowStore {
  private readonly commands: Record<string, (...args: (string | number)[]) => Promise<unknown>>;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly call: Call,
    /** How long an idle key is kept (the state's retention). */
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {
    for (const [name, script] of Object.entries(SCRIPTS)) client.defineCommand(`flow_${name}`, { lua: script.lua, numberOfKeys: script.keys });
    this.commands = client as unknown as Record<string, (...args: (string | number)[]) => Promise<unknown>>;
  }

  async acquireSlot(request: SlotRequest): Promise<SlotAnswer> {
    const answer = await this.run('acquireSlot', this.slotKeys(request.key), [
      request.holder, int(request.until), int(request.now), request.limit, request.waiter.id, String(request.waiter.score), request.waiter.body, ms(request.reserveMs), ms(this.ttlMs),
    ]) as [number, number, ...string[]];
    const [acquired, guardAt, ...woken] = answer;
    if (acquired === 1) return { outcome: 'acquired', woken };
    return { outcome: 'parked', woken, ...(Number(guardAt) >= 0 ? { guardAt: Number(guardAt) } : {}) };
  }

  async renewSlot(key: string, holder: string, until: number): Promise<boolean> {
    return (await this.run('renewSlot', [this.slotKeys(key)[0] as string], [holder, int(until)])) === 1;
  }

  async releaseSlot(request: SlotRelease): Promise<string[]> {
    return await this.run('releaseSlot', this.slotKeys(request.key), [
      request.holder, request.waiterId, int(request.now), request.limit, ms(request.reserveMs), ms(this.ttlMs),
    ]) as string[];
  }

  async passSlot(request: SlotPass): Promise<{ kept: true } | { kept: false; woken: string[] }> {
    const [kept, ...woken] = await this.run('passSlot', this.slotKeys(request.key), [
      request.from, request.to, int(request.until), int(request.now), request.limit, ms(request.reserveMs), ms(this.ttlMs),
    ]) as [number, ...string[]];
    return kept === 1 ? { kept: true } : { kept: false, woken };
  }

  async wakeSlots(request: SlotWake): Promise<{ woken: string[]; guardAt?: number }> {
    const [guardAt, ...woken] = await this.run('wakeSlots', this.slotKeys(request.key), [int(request.now), request.limit, ms(request.reserveMs), ms(this.ttlMs)]) as [number, ...string[]];
    return { woken, ...(Number(guardAt) >= 0 ? { guardAt: Number(guardAt) } : {}) };
  }

  slotState(key: string, now: number): Promise<{ holders: number; waiting: number }> {
    const [holders, waiters] = this.slotKeys(key) as [string, string];
    return this.call('slotState', async () => ({
      holders: await this.client.zcount(holders, `(${int(now)}`, '+inf'),
      waiting: await this.client.zcard(waiters),
    }));
  }

  async throttleStart(request: ThrottleRequest): Promise<{ startAt?: number; wakeAt?: number }> {
    const [startAt, wakeAt] = await this.run('throttleStart', this.throttleKeys(request.key), [
      ...this.throttleArgs(request), request.waiter.id, String(request.waiter.score), request.waiter.body, ms(THROTTLE_TIMER_LOST_MS),
    ]) as [string, string];
    return { ...(Number(startAt) >= 0 ? { startAt: Number(startAt) } : {}), ...(Number(wakeAt) >= 0 ? { wakeAt: Number(wakeAt) } : {}) };
  }

  async wakeThrottle(request: ThrottleWake & { at: number; again: boolean }): Promise<{ released: { body: string; startAt: number }[]; wakeAt?: number }> {
    const [wakeAt, ...pairs] = await this.run('wakeThrottle', this.throttleKeys(request.key), [
      ...this.throttleArgs(request), int(request.at), request.again ? '1' : '0', ms(THROTTLE_REPLAY_MS),
    ]) as string[];
    const released: { body: string; startAt: number }[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) released.push({ startAt: Number(pairs[i]), body: pairs[i + 1] as string });
    return { released, ...(Number(wakeAt) >= 0 ? { wakeAt: Number(wakeAt) } : {}) };
  }

  async throttleWaiter(request: ThrottleWake & { waiterId: string }): Promise<{ waiting: boolean; wakeAt?: number }> {
    const [waiting, wakeAt] = await this.run('throttleWaiter', this.throttleKeys(request.key), [...this.throttleArgs(request), request.waiterId]) as [number, string?];
    return waiting === 1 ? { waiting: true, wakeAt: Number(wakeAt) } : { waiting: false };
  }

  throttleWaiting(key: string): Promise<number> {
    return this.call('throttleWaiting', () => this.client.zcard(this.throttleKeys(key)[1] as string));
  }

  async rateLimit(key: string, request: { member: string; limit: number; periodMs: number; now: number }): Promise<boolean> {
    return (await this.run('rateLimit', [this.key('fr', key)], [request.member, request.limit, int(request.periodMs), int(request.now)])) === 1;
  }

  singletonHolder(key: string): Promise<{ runId: string; since: number } | undefined> {
    return this.call('singletonHolder', async () => {
      const value = await this.client.get(this.key('fs', key));
      if (value === null) return undefined;
      const bar = value.lastIndexOf('|');
      return { runId: value.slice(0, bar), since: Number(value.slice(bar + 1)) };
    });
  }

  async swapSingleton(key: string, request: { expected: string | undefined; runId: string; now: number; ttlMs: number }): Promise<boolean> {
    return (await this.run('swapSingleton', [this.key('fs', key)], [request.expected ?? '', request.runId, int(request.now), ms(request.ttlMs)])) === 1;
  }

  async debounce(key: string, request: { event: StepstackEvent; order: string; now: number; periodMs: number; timeoutMs?: number; ttlMs: number }): Promise<{ dueAt: number; pending: string; replaced?: string }> {
    const [dueAt, pending, replaced] = await this.run('debounce', [this.key('fd', key)], [
      JSON.stringify(request.event), request.event.id, int(request.now), int(request.periodMs), request.timeoutMs === undefined ? '-1' : int(request.timeoutMs), ms(request.ttlMs), request.order,
    ]) as [string, string, string];
    return { dueAt: Number(dueAt), pending, ...(replaced ? { replaced } : {}) };
  }

  async takeDebounced(key: string, eventId: string, now: number): Promise<StepstackEvent | undefined> {
    const json = await this.run('takeDebounced', [this.key('fd', key)], [eventId, int(now)]);
    return typeof json === 'string' ? (JSON.parse(json) as StepstackEvent) : undefined;
  }

  async addToBatch(key: string, request: { event: StepstackEvent; batchId: string; maxSize: number; ttlMs: number; keepMs: number; now: number }): Promise<BatchAnswer> {
    const [batchId, opened, state, again, json] = await this.run('addToBatch', this.batchKeys(key), [
      JSON.stringify(request.event), request.event.id, request.batchId, request.maxSize, ms(request.ttlMs), ms(request.keepMs), int(request.now),
    ]) as [string, number, number, number, string?];
    const answer: BatchAnswer = { batchId, opened: opened === 1 };
    if (state === 2) return { ...answer, started: true };
    if (state !== 1) return answer;
    return { ...answer, full: JSON.parse(json ?? '[]') as StepstackEvent[], ...(again === 1 ? { again: true as const } : {}) };
  }

  async takeBatch(key: string, request: { batchId: string; keepMs: number; now: number }): Promise<{ events: StepstackEvent[]; again: boolean } | undefined> {
    const taken = await this.run('takeBatch', this.batchKeys(key), [request.batchId, ms(request.keepMs), int(request.now)]);
    if (!Array.isArray(taken)) return undefined;
    const [again, json] = taken as [number, string];
    return { events: JSON.parse(json) as StepstackEvent[], again: again === 1 };
  }

  async releaseBatch(key: string, batchId: string): Promise<void> {
    await this.run('releaseBatch', this.batchKeys(key), [batchId]);
  }

  saveRunEvents(runId: string, events: StepstackEvent[], ttlMs: number): Promise<void> {
    return this.call('saveRunEvents', async () => {
      await this.client.set(this.key('fe', runId), JSON.stringify(events), 'PX', ms(ttlMs));
    });
  }

  runEvents(runId: string): Promise<StepstackEvent[] | undefined> {
    return this.call('runEvents', async () => {
      const json = await this.client.get(this.key('fe', runId));
      return json === null ? undefined : (JSON.parse(json) as StepstackEvent[]);
    });
  }

  recordSkip(eventId: string, skip: FlowSkip, ttlMs: number): Promise<void> {
    const key = this.key('fk', eventId);
    return this.call('recordSkip', async () => {
      // The first reason per function stays (a redelivered event records the same one).
      await this.client.hsetnx(key, skip.function_id, `${this.now()}|${skip.reason}`);
      await this.client.pexpire(key, ms(ttlMs));
    });
  }

  skipsOf(eventId: string): Promise<FlowSkip[]> {
    return this.call('skipsOf', async () => {
      const all = await this.client.hgetall(this.key('fk', eventId));
      return Object.entries(all)
        .map(([functionId, value]) => ({ at: Number(value.slice(0, value.indexOf('|'))), skip: { function_id: functionId, reason: value.slice(value.indexOf('|') + 1) as SkipReason } }))
        .sort((a, b) => a.at - b.at)
        .map(({ skip }) => skip);
    });
  }

  private run(name: FlowScript, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.call(name, () => (this.commands[`flow_${name}`] as (...a: (string | number)[]) => Promise<unknown>)(...keys, ...args));
  }

  private key(kind: string, key: string): string {
    return `${this.prefix}:{${kind}:${key}}`;
  }

  private slotKeys(key: string): string[] {
    const tag = this.key('fc', key);
    return [`${tag}:h`, `${tag}:w`, `${tag}:b`, `${tag}:g`];
  }

  private throttleKeys(key: string): string[] {
    const tag = this.key('ft', key);
    return [`${tag}:t`, `${tag}:w`, `${tag}:b`, `${tag}:g`, `${tag}:r`];
  }

  private throttleArgs(request: ThrottleWake): string[] {
    return [int(request.now), int(request.emissionMs), int(request.toleranceMs), int(request.leadMs), ms(this.ttlMs)];
  }

  private batchKeys(key: string): string[] {
    const tag = this.key('fb', key);
    return [`${tag}:id`, `${tag}:ev`, `${tag}:ids`, `${tag}:tk`, `${tag}:tx`];
  }
}
