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
 * A step's input as UTF-8 JSON in pieces to write one after another, the same bytes as
 * `JSON.stringify(input)`. Each output and event is serialised once per object instead of once per
 * step that reads it (outputs and events are parsed values that nothing changes afterwards, which is
 * what makes this safe), and `openSteps`, the executor's JSON of `steps` without its closing brace
 * (core/run/json-object-writer.ts), is sent as it is: in a chain of n steps step i reads i outputs,
 * and serialising or joining them anew made a chain cost O(n²) (bench/run-state.ts).
 */
export function stepInputChunks(input: StepInput, openSteps?: Buffer): Buffer[] {
  const events = input.events === undefined ? '' : `"events":[${input.events.map(jsonOf).join(',')}],`;
  const head = `{"event":${jsonOf(input.event)},${events}"steps":`;
  const tail = `,"async":${jsonOf(input.async)},"ctx":${JSON.stringify(input.ctx)}}`;
  if (openSteps) return [Buffer.from(head), openSteps, Buffer.from(`}${tail}`)];
  const steps = Object.keys(input.steps).map((id) => memberJson(id, input.steps[id])).filter((member) => member !== undefined).join(',');
  return [Buffer.from(`${head}{${steps}}${tail}`)];
}

/** A step's input as a JSON string (see stepInputChunks). */
export function stepInputJson(input: StepInput, openSteps?: Buffer): string {
  const chunks = stepInputChunks(input, openSteps);
  return (chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks)).toString('utf8');
}

/** `"id":output` as JSON; undefined for an output without a JSON form (JSON.stringify leaves such a key out). */
export function memberJson(id: string, output: unknown): string | undefined {
  if (output === undefined || typeof output === 'function' || typeof output === 'symbol') return undefined;
  return `${JSON.stringify(id)}:${jsonOf(output)}`;
}
