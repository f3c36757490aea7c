import fc from 'fast-check';
import type { StepInput } from '../../core/ports/driver';
import { stepInputJson } from '../../core/run/step-input-json';

const eventArb = fc.record({ name: fc.string(), data: fc.dictionary(fc.string(), fc.jsonValue()), id: fc.string(), ts: fc.integer() });

const inputArb: fc.Arbitrary<StepInput> = fc.record({
  event: eventArb,
  events: fc.option(fc.array(eventArb, { maxLength: 3 }), { nil: undefined }),
  steps: fc.dictionary(fc.string(), fc.oneof(fc.jsonValue(), fc.constant(undefined))),
  async: fc.option(eventArb, { nil: null }),
  ctx: fc.record({ fn_id: fc.string(), step_id: fc.string(), run_id: fc.string(), attempt: fc.nat() }),
}, { requiredKeys: ['event', 'steps', 'async', 'ctx'] });

describe('stepInputJson', () => {
  it('is JSON.stringify of the input, for any input', () => {
    fc.assert(fc.property(inputArb, (input) => {
      expect(JSON.parse(stepInputJson(input))).toEqual(JSON.parse(JSON.stringify(input)));
      expect(stepInputJson(input)).toBe(JSON.stringify({ event: input.event, ...(input.events ? { events: input.events } : {}), steps: input.steps, async: input.async, ctx: input.ctx }));
    }));
  });

  it('gives the same JSON when an output object is read again by a later step', () => {
    // Prepare
    const output = { body: { id: 'a"b', list: [1, 2, { deep: true }] } };
    const input = (steps: Record<string, unknown>): StepInput => ({
      event: { name: 'test/go', data: {}, id: 'evt-1', ts: 0 }, steps, async: null, ctx: { fn_id: 'f', step_id: 's', run_id: 'r', attempt: 0 },
    });
    // Act
    const first = stepInputJson(input({ a: output }));
    const second = stepInputJson(input({ a: output, b: 'text', c: null, __proto__x: 1 }));
    // Assess
    expect(first).toBe(JSON.stringify(input({ a: output })));
    expect(second).toBe(JSON.stringify(input({ a: output, b: 'text', c: null, __proto__x: 1 })));
  });
});

describe('stepInputJson with the JSON of steps given', () => {
  it('sends the given JSON of `steps` as is', () => {
    // Prepare
    const input: StepInput = {
      event: { name: 'test/go', data: {}, id: 'evt-1', ts: 0 }, steps: { a: 1 }, stepsJson: '{"a":1}', async: null,
      ctx: { fn_id: 'f', step_id: 's', run_id: 'r', attempt: 0 },
    };
    // Act
    const json = stepInputJson(input);
    // Assess
    expect(JSON.parse(json)).toEqual({ event: input.event, steps: { a: 1 }, async: null, ctx: input.ctx });
  });
});
