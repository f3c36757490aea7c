import type { StepstackEvent } from '../events/event';
import type { StepInput } from '../ports/driver';
import type { JsonObjectWriter } from './json-object-writer';

/** JSON already made of an object, which the engine never changes once made (step outputs, events). */
const made = new WeakMap<object, string>();

/**
 * Shorter JSON is made again rather than kept: an entry costs the weak map more than serialising a
 * small object does, and chains of 500 hold 10,000 outputs at once (the bench's chain of 500 spent
 * about 3 µs more per step here than the chain of 10, with the same calls).
 */
const KEPT_FROM_LENGTH = 512;

/** `keptFrom`: the shortest JSON worth keeping for the next call with the same object. */
export function jsonOf(value: unknown, keptFrom = KEPT_FROM_LENGTH): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  let json = made.get(value);
  if (json === undefined) {
    json = JSON.stringify(value) ?? 'null';
    if (json.length >= keptFrom) made.set(value, json);
  }
  return json;
}

/**
 * A step's input as UTF-8 JSON, the same bytes as `JSON.stringify(input)`. Each output and event of
 * some size is serialised once per object instead of once per step that reads it (outputs and events
 * are parsed values that nothing changes afterwards, which is what makes this safe), and `steps`, the
 * executor's JSON of `input.steps` (core/run/json-object-writer.ts), is framed in place: in a chain of
 * n steps step i reads i outputs, and serialising or copying them anew made a chain cost O(n²)
 * (bench/run-state.ts). The body is good until `steps` changes (see JsonObjectWriter.framed).
 */
export function stepInputBody(input: StepInput, steps?: JsonObjectWriter): Buffer {
  const { head, tail } = around(input);
  if (steps) return steps.framed(head, tail);
  return Buffer.from(`${head}${stepsJson(input)}${tail}`);
}

/** A step's input as a JSON string (see stepInputBody). */
export function stepInputJson(input: StepInput, steps?: JsonObjectWriter): string {
  const { head, tail } = around(input);
  return `${head}${steps ? `${steps.open().toString('utf8')}}` : stepsJson(input)}${tail}`;
}

/** An event's JSON is kept whatever its size: a run's event is in every one of its steps' inputs. */
const eventJson = (event: StepstackEvent): string => jsonOf(event, 0);

/** The input's JSON before `steps` and after it. */
function around(input: StepInput): { head: string; tail: string } {
  const events = input.events === undefined ? '' : `"events":[${input.events.map(eventJson).join(',')}],`;
  return {
    head: `{"event":${eventJson(input.event)},${events}"steps":`,
    tail: `,"async":${input.async === null ? 'null' : eventJson(input.async)},"ctx":${JSON.stringify(input.ctx)}}`,
  };
}

function stepsJson(input: StepInput): string {
  return `{${Object.keys(input.steps).map((id) => memberJson(id, input.steps[id])).filter((member) => member !== undefined).join(',')}}`;
}

/** `"id":output` as JSON; undefined for an output without a JSON form (JSON.stringify leaves such a key out). */
export function memberJson(id: string, output: unknown, json?: string): string | undefined {
  if (output === undefined || typeof output === 'function' || typeof output === 'symbol') return undefined;
  return `${JSON.stringify(id)}:${json ?? jsonOf(output)}`;
}
