import { createHash } from 'node:crypto';
import type { CompiledFunction } from '../functions/compiled';
import type { SdkOp } from '../ports/sdk-driver';

/**
 * An SDK function's run is a chain of calls of its app (SPEC section 4): the entry step `$sdk`, then
 * `$sdk/1`, `$sdk/2`, ... each added by the call before it, with the steps the code used (keyed by
 * their userland ids) as siblings in between. `$` keeps the call steps apart from the code's ids.
 */
export const SDK_ENTRY_STEP = '$sdk';

/** An SDK function as app sync registers it: its one declared step is the entry call, of runtime `inngest`. */
export function isSdkFunction(fn: CompiledFunction): boolean {
  return fn.steps.get(SDK_ENTRY_STEP)?.runtime.type === 'inngest';
}

/** A step id of one call of the app (not a step of the code). */
export const isCallStep = (stepId: string): boolean => stepId === SDK_ENTRY_STEP || stepId.startsWith(`${SDK_ENTRY_STEP}/`);

/** The call after `stepId`. */
export function nextCallStep(stepId: string): string {
  const n = stepId === SDK_ENTRY_STEP ? 0 : Number(stepId.slice(SDK_ENTRY_STEP.length + 1));
  return `${SDK_ENTRY_STEP}/${n + 1}`;
}

/** The SDK's step hash (`_internals.hashId`): SHA-1 hex of the id with its index suffix. */
export const hashStepId = (id: string): string => createHash('sha1').update(id).digest('hex');

/** Prefix of a step the SDK gave no userland id: keyed by its hashed id. */
const HASHED = '#';

/** The record id of an op's step: the code's id (`charge`, `charge:1` when repeated), or `#<hash>` when the op names none. */
export function recordIdOf(op: SdkOp): string {
  const userland = op.userland;
  if (!userland || typeof userland.id !== 'string' || userland.id === '') return `${HASHED}${op.id}`;
  const id = userland.index ? `${userland.id}:${userland.index}` : userland.id;
  return hashStepId(id) === op.id ? id : `${HASHED}${op.id}`;
}

/** The hashed id the SDK knows a step's record by. */
export const memoKeyOf = (recordId: string): string => (recordId.startsWith(HASHED) ? recordId.slice(HASHED.length) : hashStepId(recordId));
