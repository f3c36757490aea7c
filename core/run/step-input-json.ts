import type { StepInput } from '../ports/driver';

/** JSON already made of an object, which the engine never changes once made (step outputs, events). */
const made = new WeakMap<object, string>();

function jsonOf(value: unknown): string {
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
  let steps = '';
  for (const id of Object.keys(input.steps)) {
    const output = input.steps[id];
    // As JSON.stringify does: a key whose value has no JSON form is left out.
    if (output === undefined || typeof output === 'function' || typeof output === 'symbol') continue;
    steps += `${steps === '' ? '' : ','}${JSON.stringify(id)}:${jsonOf(output)}`;
  }
  const events = input.events === undefined ? '' : `"events":[${input.events.map(jsonOf).join(',')}],`;
  return `{"event":${jsonOf(input.event)},${events}"steps":{${steps}},"async":${jsonOf(input.async)},"ctx":${JSON.stringify(input.ctx)}}`;
}
