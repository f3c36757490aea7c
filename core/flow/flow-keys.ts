import type { StepstackEvent } from '../events/event';
import type { CompiledFunction } from '../functions/compiled';
import { flowOf } from './compiled-flow';
import { keyValue } from './keys';

/** A concurrency key with the limit this function gives it. */
export interface SlotKey {
  key: string;
  limit: number;
}

/**
 * The concurrency keys a step of `fn` must fit (SPEC section 3): per function (and key value), or
 * `scope: env`, one count per key value shared by every function.
 */
export function slotKeysOf(fn: CompiledFunction, event: StepstackEvent): SlotKey[] {
  return flowOf(fn).concurrency.map((entry) => ({
    key: entry.scope === 'env' ? `env:${keyValue(entry.key, event)}` : `fn:${fn.id}:${keyValue(entry.key, event)}`,
    limit: entry.limit,
  }));
}

/** The key of a per-function gate (throttle, rateLimit, debounce, batchEvents, singleton) for an event. */
export function gateKey(kind: string, fn: CompiledFunction, key: Parameters<typeof keyValue>[0], event: StepstackEvent): string {
  return `${kind}:${fn.id}:${keyValue(key, event)}`;
}
