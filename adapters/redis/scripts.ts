import type { Cluster, Redis } from 'ioredis';
import { claimKey } from './lua/claim-key-1';
import { claimRun } from './lua/claim-run-2';
import { commitAttempt } from './lua/commit-attempt-7';
import { createRun } from './lua/create-run-7';
import { saveDeadEvent, takeDeadEvent } from './lua/dead-events-2';
import { deleteFunction } from './lua/delete-function-2';
import { endRun } from './lua/end-run-7';
import { fireTimer } from './lua/fire-timer-7';
import { leaseStep } from './lua/lease-step-6';
import { linkRun } from './lua/link-run-1';
import { loadRun } from './lua/load-run-7';
import { putFunction } from './lua/put-function-2';
import { releaseLease } from './lua/release-lease-1';
import { renewLease } from './lua/renew-lease-3';
import { resumePause } from './lua/resume-pause-7';

/**
 * The Lua scripts of the store (one file each under lua/, named with their key count): each one atomic
 * change (or consistent read) of keys that share a hash tag. Keys always come in KEYS (never built
 * inside a script), as Redis Cluster requires. Times come from the caller (the engine's clock).
 */
const LUA = {
  createRun, loadRun, leaseStep, renewLease, releaseLease, commitAttempt, fireTimer, resumePause, endRun,
  linkRun, claimKey, claimRun, putFunction, deleteFunction, saveDeadEvent, takeDeadEvent,
} as const;

export type ScriptName = keyof typeof LUA;

/** Runs a script by name (EVALSHA, falling back to EVAL after a server lost its script cache). */
export type RunScript = (name: ScriptName, keys: string[], args: (string | number)[]) => Promise<unknown>;

/** How many keys each script declares, for tests that check they share one slot. */
export const SCRIPT_KEY_COUNTS: Record<ScriptName, number> = Object.fromEntries(
  Object.entries(LUA).map(([name, script]) => [name, script.keys]),
) as Record<ScriptName, number>;

/**
 * ARGV travels as one JSON array of strings that each script decodes first: the client encodes every
 * argument of a command on its own, and a commit's two dozen cost it 17-22 µs of CPU per call against
 * 14 µs as one (docs/decisions/042). The local shadows the global before any helper is defined, so helpers read it too.
 */
const UNPACK_ARGV = 'local ARGV = cjson.decode(ARGV[1])\n';

/**
 * The arguments as that array. Every value is a string (a number would come back as a Lua float), and
 * well-formed: a lone surrogate becomes U+FFFD, as its UTF-8 encoding as a separate argument did, where
 * its JSON escape would be refused by cjson.
 */
export function packArgs(args: readonly (string | number)[]): string {
  // Most calls need no change: then no copy either.
  const ready = args.every((arg) => typeof arg === 'string' && arg.isWellFormed());
  return JSON.stringify(ready ? args : args.map((arg) => (typeof arg === 'number' ? String(arg) : arg.toWellFormed())));
}

/** Register the scripts on a client (ioredis defineCommand) and return a runner for them. */
export function defineScripts(client: Redis | Cluster): RunScript {
  for (const [name, script] of Object.entries(LUA)) {
    client.defineCommand(name, { lua: UNPACK_ARGV + script.lua, numberOfKeys: script.keys, readOnly: 'readOnly' in script && script.readOnly });
  }
  const commands = client as unknown as Record<ScriptName, (...keysAndArgs: string[]) => Promise<unknown>>;
  return (name, keys, args) => {
    if (keys.length !== LUA[name].keys) throw new Error(`script ${name} takes ${LUA[name].keys} keys, got ${keys.length}`);
    return commands[name](...keys, packArgs(args));
  };
}
