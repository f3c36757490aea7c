import fc from 'fast-check';
import type { StepInput } from '../../core/ports/driver';
import { JsonObjectWriter } from '../../core/run/json-object-writer';
import { stepInputBody, stepInputJson } from '../../core/run/step-input-json';

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
  it('frames the given JSON of `steps` in place: the same bytes, without copying the outputs', () => {
    // Prepare
    const input: StepInput = {
      event: { name: 'test/go', data: {}, id: 'evt-1', ts: 0 }, steps: { a: 1, b: 'é' }, async: null,
      ctx: { fn_id: 'f', step_id: 's', run_id: 'r', attempt: 0 },
    };
    const steps = new JsonObjectWriter();
    steps.append('"a":1');
    steps.append('"b":"é"');
    // Act
    const first = stepInputBody(input, steps);
    const again = stepInputBody(input, steps);
    // Assess
    expect(first.toString('utf8')).toBe(JSON.stringify(input));
    expect(again.buffer).toBe(first.buffer); // framed in the writer's own buffer once it has room
    expect(stepInputJson(input, steps)).toBe(JSON.stringify(input));
    expect(stepInputBody(input).toString('utf8')).toBe(JSON.stringify(input));
  });
});

describe('JsonObjectWriter', () => {
  it('writes the JSON of an object member by member, across growth of its buffer', () => {
    // Prepare
    const writer = new JsonObjectWriter(4);
    const object: Record<string, unknown> = {};
    const views: [Buffer, string][] = [[writer.open(), '{']];
    // Act
    for (let i = 0; i < 40; i += 1) {
      const value = { n: i, text: 'ü€😀'.repeat(i % 3) };
      object[`s${i}`] = value;
      writer.append(`${JSON.stringify(`s${i}`)}:${JSON.stringify(value)}`);
      views.push([writer.open(), JSON.stringify(object).slice(0, -1)]);
    }
    // Assess: every view handed out still reads what it read when it was taken
    for (const [view, expected] of views) expect(view.toString('utf8')).toBe(expected);
    expect(JSON.parse(`${writer.open().toString('utf8')}}`)).toEqual(object);
  });
});

describe('JsonObjectWriter framing', () => {
  it('frames the object between a head and a tail across growth, and leaves the views of open() as they were', () => {
    // Prepare
    const writer = new JsonObjectWriter(4);
    const object: Record<string, unknown> = {};
    const views: [Buffer, string][] = [];
    // Act: heads of changing length make it move the object to have room before it
    for (let i = 0; i < 30; i += 1) {
      const value = { n: i, text: 'ü€😀'.repeat(i % 3) };
      object[`s${i}`] = value;
      writer.append(`${JSON.stringify(`s${i}`)}:${JSON.stringify(value)}`);
      views.push([writer.open(), JSON.stringify(object).slice(0, -1)]);
      const head = `{"event":${JSON.stringify({ pad: 'é'.repeat(i * 7 % 40) })},"steps":`;
      const tail = `,"ctx":{"step":${i}}}`;
      const body = writer.framed(head, tail);
      // Assess
      expect(body.toString('utf8')).toBe(`${head}${JSON.stringify(object)}${tail}`);
    }
    for (const [view, expected] of views) expect(view.toString('utf8')).toBe(expected);
  });
});
