import fc from 'fast-check';
import { compileExpression } from '../../core/expressions/cel';
import { type PauseMatchPlan, type PauseMatchVars, eventValueAt, planPauseMatch } from '../../core/expressions/pause-match';

const runEvent = { name: 'order/created', data: { id: 'o-1', n: 3, nested: { deep: 'x' }, tags: ['a'] }, id: '01E', ts: 1 };
const made: PauseMatchVars = { event: runEvent, steps: { a: { body: { min: 2, max: 9 } }, b: { body: 'big'.repeat(100) } } };

/** Whether an event passes a plan as an index and its caller would test it: key equal, then residual true (after a trip through JSON, as a store keeps it). */
function passes(stored: PauseMatchPlan, incoming: unknown): boolean {
  const { key, residual } = JSON.parse(JSON.stringify(stored)) as PauseMatchPlan;
  if (key && eventValueAt(incoming, key.path) !== key.value) return false;
  return residual === undefined || compileExpression(residual.source).test({ event: residual.vars.event, steps: residual.vars.steps, async: incoming });
}

describe('planPauseMatch', () => {
  it.each([
    ['async.data.id == event.data.id', { path: ['data', 'id'], value: '"o-1"' }],
    ['event.data.id == async.data.id', { path: ['data', 'id'], value: '"o-1"' }],
    ["async.data['x-y'] == 'v'", { path: ['data', 'x-y'], value: '"v"' }],
    ["async['data'].n == event.data.n", { path: ['data', 'n'], value: '3' }],
    ['async.data.n == 3', { path: ['data', 'n'], value: '3' }],
    ['async.data.n == 3.0', { path: ['data', 'n'], value: '3' }],
    ['async.data.n == 3u', { path: ['data', 'n'], value: '3' }],
    ['async.data.n == -0.0', { path: ['data', 'n'], value: '0' }],
    ['async.data.ok == true', { path: ['data', 'ok'], value: 'true' }],
    ['async.data.gone == event.data.missing', { path: ['data', 'gone'], value: 'null' }],
    ["async.data.min == steps['a'].body.min", { path: ['data', 'min'], value: '2' }],
    ['(async.data.id == event.data.id)', { path: ['data', 'id'], value: '"o-1"' }],
  ])('keys %s by the whole expression, with no residual', (source, key) => {
    // Prepare
    const expression = compileExpression(source);
    // Act
    const result = planPauseMatch(expression, made);
    // Assess
    expect(result).toEqual({ key });
  });

  it.each([
    ['async.data.id == event.data.id && async.data.n > 2', ['data', 'id'], { event: { data: { id: 'o-1' } } }],
    ["async.data.n > steps['a'].body.min && async.data.id == event.data.id", ['data', 'id'], { event: { data: { id: 'o-1' } }, steps: { a: { body: { min: 2 } } } }],
    ['async.data.n > 1 && (async.data.k == event.data.nested.deep && has(event.data.nested.deep))', ['data', 'k'], { event: { data: { nested: { deep: 'x' } } } }],
    ['async.data.id == event.data.id && size(event.data.tags) == 1', ['data', 'id'], { event: { data: { id: 'o-1', tags: ['a'] } } }],
    ['async.data.id == event.data.id && event.data.n + 0 == 3 && steps.b.body != null', ['data', 'id'], { event: { data: { id: 'o-1', n: 3 } }, steps: { b: made.steps['b'] } }],
  ])('keys %s by its first equality and keeps the rest, with only the fields it reads', (source, path, vars) => {
    // Prepare
    const expression = compileExpression(source);
    // Act
    const result = planPauseMatch(expression, made);
    // Assess
    expect(result.key?.path).toEqual(path);
    expect(result.residual).toEqual({ source, vars });
  });

  it.each([
    ['async.data.id == event.data.id || async.data.id == "x"', 'an ||'],
    ['async.data.n > event.data.n', 'a comparison'],
    ['async.data.n != event.data.n', 'an inequality'],
    ['async.data.tags == event.data.tags', 'a list value'],
    ['async.data.nested == event.data.nested', 'a map value'],
    ['async.data.at == timestamp("2026-01-01T00:00:00Z")', 'a timestamp value'],
    ['async.data.n == 9007199254740993', 'an int beyond 2^53'],
    ['async.data.id == event.data.id + "x" + async.data.id', 'a value that reads async'],
    ['async.data.n == event.data.id + 1', 'a value that fails to evaluate'],
    ['async == event', 'the whole awaited event'],
    ['async.data[event.data.id] == 1', 'a path known only when evaluated'],
    ['!(async.data.id == event.data.id)', 'a negation'],
  ])('does not key %s (%s), and tests it whole', (source) => {
    // Prepare
    const expression = compileExpression(source);
    // Act
    const result = planPauseMatch(expression, made);
    // Assess
    expect(result.key).toBeUndefined();
    expect(result.residual?.source).toBe(source);
  });

  it('gives the whole event or all steps when a read of them is not a static chain', () => {
    // Prepare
    const byComputedStep = compileExpression('steps[event.data.id] == null');
    const byWholeEvent = compileExpression("size(event) > 0 && event.data['n'] == 3");
    // Act
    const results = [planPauseMatch(byComputedStep, made), planPauseMatch(byWholeEvent, made)];
    // Assess
    expect(results[0]!.residual?.vars).toEqual({ event: { data: { id: 'o-1' } }, steps: made.steps });
    expect(results[1]!.residual?.vars).toEqual({ event: runEvent });
  });

  it('keeps a field named __proto__ as a field of the pruned values', () => {
    // Prepare
    const event = JSON.parse('{"data": {"__proto__": {"x": 1}, "y": 2}}') as unknown;
    const expression = compileExpression("async.data.x == event.data['__proto__'].x && event.data.y == 2");
    // Act
    const result = planPauseMatch(expression, { event, steps: {} });
    // Assess
    expect(result.key).toEqual({ path: ['data', 'x'], value: '1' });
    expect(JSON.stringify(result.residual?.vars.event)).toBe('{"data":{"__proto__":{"x":1},"y":2}}');
    expect(passes(result, { data: { x: 1 } })).toBe(true);
  });

  it('gives no key and no residual without an expression: every event of the name matches', () => {
    // Act
    const result = planPauseMatch(undefined, made);
    // Assess
    expect(result).toEqual({});
  });

  it('reads an event value as CEL does: missing or through a non-map reads null; lists and maps have no key', () => {
    // Prepare
    const event = { data: { id: 'a', n: 1.5, list: [1], map: { a: 1 }, s: 'text', nul: null } };
    const paths = [['data', 'id'], ['data', 'n'], ['data', 'nope'], ['data', 's', 'length'], ['data', 'list', '0'], ['data', 'list'], ['data', 'map'], ['data', 'nul'], ['data', 'map', 'constructor']];
    // Act
    const values = paths.map((path) => eventValueAt(event, path));
    // Assess
    expect(values).toEqual(['"a"', '1.5', 'null', 'null', 'null', undefined, undefined, 'null', 'null']);
  });
});

describe('planPauseMatch against the expression itself', () => {
  type Data = Record<string, unknown> | unknown;
  /** Each expression with one case that makes it true (run event data, step a's body, incoming event data); random ones follow. */
  const sources: [string, [Data, Record<string, unknown>, Data]][] = [
    ['async.data.id == event.data.id', [{ id: 'a' }, {}, { id: 'a' }]],
    ['event.data.id == async.data.id', [{ id: 1 }, {}, { id: 1 }]],
    ["async.data['x-y'] == 1.0", [{}, {}, { 'x-y': 1 }]],
    ["async.data.id == event.data.id && async.data.n > steps['a'].body.min", [{ id: 'a' }, { min: 1 }, { id: 'a', n: 2 }]],
    ["async.data.n >= 2 && async.data.id == 'a'", [{}, {}, { n: 2, id: 'a' }]],
    ['async.data.id == "a" || async.data.id == event.data.id', [{ id: 'b' }, {}, { id: 'b' }]],
    ['async.data.k == event.data.k && has(event.data.id)', [{ k: 'b', id: null }, {}, { k: 'b' }]],
    ["async.data.id == steps['a'].body.min", [{}, { min: 2 }, { id: 2 }]],
    ['async.data.id == event.data', ['a', {}, { id: 'a' }]],
    ['async.data.n == 1u', [{}, {}, { n: 1 }]],
    ['async.data.id == event.data.id + 1.0', [{ id: 1 }, {}, { id: 2 }]],
    ['size(event.data) > 1 && async.data.id == event.data.id', [{ id: 'a', k: 'b' }, {}, { id: 'a' }]],
    ['async.data.id.x == null', [{}, {}, { id: 'a' }]],
    ['async.data.id == null', [{}, {}, {}]],
    ["async.data.k == steps.a.body.min && async.data['x-y'] == event.data.k", [{ k: 1 }, { min: 2 }, { k: 2, 'x-y': 1 }]],
  ];
  // Few values, so that random events often meet the pause's values; ints, doubles, -0, lists and maps.
  const value = fc.constantFrom<unknown>('a', 'b', 1, 1.5, 2, 0, -0, true, false, null, [1], { x: 1 }, 'x');
  const record = (keys: string[]): fc.Arbitrary<Record<string, unknown>> =>
    fc.record(Object.fromEntries(keys.map((key) => [key, value])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
  const eventWith = (data: Data) => ({ name: 'e', data, id: 'x', ts: 0 });
  const events = (keys: string[]) => fc.oneof({ weight: 6, arbitrary: record(keys) }, { weight: 1, arbitrary: value }).map(eventWith);

  it.each(sources)('%s: key matches and residual true exactly when test() is true', (source, [eventData, exampleBody, incomingData]) => {
    const expression = compileExpression(source);
    expect(expression.test({ event: eventWith(eventData), steps: { a: { body: exampleBody } }, async: eventWith(incomingData) })).toBe(true);
    const outcomes = new Set<boolean>();
    fc.assert(
      fc.property(events(['id', 'k']), record(['min']), events(['id', 'k', 'n', 'x-y']), (event, body, incoming) => {
        // Prepare
        const vars = { event, steps: { a: { body } } };
        // Act
        const stored = planPauseMatch(expression, vars);
        // Assess
        const expected = expression.test({ ...vars, async: incoming });
        outcomes.add(expected);
        expect(passes(stored, incoming)).toBe(expected);
      }),
      { numRuns: 500, examples: [[eventWith(eventData), exampleBody, eventWith(incomingData)]] },
    );
    // Both outcomes were met (the given case is true): the property held where it could have failed.
    expect([...outcomes].sort()).toEqual([false, true]);
  });
});
