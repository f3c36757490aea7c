import type { StepInput } from '../ports/driver';

/** JSON already made of an object, which the engine never changes once made (step outputs, events). */
const made = new WeakMap<object, string>();

export function jsonOf(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  let json = made.get(value);
  if (json === undefined) {
    json = JSON.stringify(value) ?? 'null';
    made.set(value, json);
  }
  return json;
}

/**
 * A step's input as JSON, the same as `JSON.stringify(input)`, but each output and event is
 * serialised once per object instead of once per step that reads it: in a chain of n steps, step i
 * reads i outputs, and serialising them anew made a chain cost O(n²) (bench/run-state.ts). Outputs
 * and events are parsed values that nothing changes afterwards, which is what makes this safe.
 */
export function stepInputJson(input: StepInput): string {
  const events = input.events === undefined ? '' : `"events":[${input.events.map(jsonOf).join(',')}],`;
  const steps = input.stepsJson ?? `{${Object.keys(input.steps).map((id) => memberJson(id, input.steps[id])).filter((member) => member !== undefined).join(',')}}`;
  return `{"event":${jsonOf(input.event)},${events}"steps":${steps},"async":${jsonOf(input.async)},"ctx":${JSON.stringify(input.ctx)}}`;
}

/** `"id":output` as JSON; undefined for an output without a JSON form (JSON.stringify leaves such a key out). */
export function memberJson(id: string, output: unknown): string | undefined {
  if (output === undefined || typeof output === 'function' || typeof output === 'symbol') return undefined;
  return `${JSON.stringify(id)}:${jsonOf(output)}`;
}
