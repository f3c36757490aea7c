import { createHash } from 'node:crypto';
import type { PauseKey } from '../../core/ports/pause-index';

/**
 * The keys of the pause index of one event name. They all share the hash tag `{p:<name>}`, so that
 * every script of the index works on one slot (cluster mode). A name holding `}` cuts the tag short,
 * the same way for each of its keys, so they still share it.
 */
export interface PauseKeys {
  /** Hash: keyed path JSON to how many pauses use it. */
  paths: string;
  /** Hash: pause id to its place (see `placeOf`). */
  where: string;
  /** Sorted set: pause id by expiry time (ms). */
  expiries: string;
  /** Hash: pause id to record JSON, for the pauses without a key. */
  unkeyed: string;
  /** Hash: pause id to record JSON, for the pauses keyed by `value` (its `shortValue`) at the path of `pathJson`. */
  bucket(pathJson: string, value: string): string;
}

export function pauseKeysFor(prefix: string): (eventName: string) => PauseKeys {
  if (!prefix || /[{}]/.test(prefix)) throw new Error(`keyPrefix '${prefix}' is invalid: use a non-empty prefix without braces`);
  return (eventName) => {
    const tag = `${prefix}:{p:${eventName}}`;
    return {
      paths: `${tag}:paths`,
      where: `${tag}:where`,
      expiries: `${tag}:exp`,
      unkeyed: `${tag}:u`,
      // A JSON array ends where its parser says, so `<path JSON>=<value>` names one (path, value) only.
      bucket: (pathJson, value) => `${tag}:k:${pathJson}=${shortValue(value)}`,
    };
  };
}

const LONGEST_VALUE_IN_KEY = 100;

/**
 * A key value as it goes into key names: itself, or `#` and its SHA-256 when long (an event's long
 * text would otherwise make every key of its bucket as long). No JSON text starts with `#`.
 */
export function shortValue(value: string): string {
  return value.length <= LONGEST_VALUE_IN_KEY ? value : `#${createHash('sha256').update(value).digest('hex')}`;
}

/** Where a pause is, as the `where` hash holds it: JSON `[path, short value]` of its key, or `null` without one. */
export function placeOf(key: PauseKey | undefined): string {
  return key ? JSON.stringify([key.path, shortValue(key.value)]) : 'null';
}

/** The bucket key and path JSON ('' when unkeyed) of a place read from `where`. */
export function bucketOfPlace(keys: PauseKeys, place: string): { bucket: string; pathJson: string } {
  const parsed = JSON.parse(place) as [string[], string] | null;
  if (parsed === null) return { bucket: keys.unkeyed, pathJson: '' };
  const pathJson = JSON.stringify(parsed[0]);
  return { bucket: keys.bucket(pathJson, parsed[1]), pathJson };
}
