import { setOwn } from '../records';
import { ancestorsOf } from '../functions/ancestors';
import type { CompiledFunction } from '../functions/compiled';
import { JsonObjectWriter } from '../run/json-object-writer';
import { memberJson } from '../run/step-input-json';

/** The outputs a step reads (the `steps` of its input), with their JSON written as they were added. */
export interface StepInputs {
  steps: Record<string, unknown>;
  json: JsonObjectWriter;
}

/** The outputs of `ids` that are known. */
export function inputsOf(known: Map<string, unknown>, ids: string[]): StepInputs {
  const inputs: StepInputs = { steps: {}, json: new JsonObjectWriter() };
  for (const id of ids) if (known.has(id)) addOutput(inputs, id, known.get(id));
  return inputs;
}

/**
 * The inputs of `next` when its ancestors are exactly `parent`'s plus `parent` (the next step of a
 * chain): `parent`'s inputs plus its output, without reading the others again. The parent's inputs
 * are extended in place: its attempt is over and nothing else holds them. Undefined otherwise.
 */
export function extendInputs(
  fn: CompiledFunction, parent: string, inputs: StepInputs, output: unknown, next: string, json?: string,
): StepInputs | undefined {
  const isChild = fn.steps.get(next)?.after.some((edge) => edge.parent === parent) ?? false;
  // A parent's ancestors and the parent are ancestors of its child: equal counts mean equal sets.
  if (!isChild || ancestorsOf(fn, next).length !== ancestorsOf(fn, parent).length + 1) return undefined;
  addOutput(inputs, parent, output, json);
  return inputs;
}

/** `json`: the output's JSON when it was made already (its commit's). */
function addOutput(inputs: StepInputs, id: string, output: unknown, json?: string): void {
  setOwn(inputs.steps, id, output);
  const member = memberJson(id, output, json);
  if (member !== undefined) inputs.json.append(member);
}
