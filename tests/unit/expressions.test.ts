import { runInNewContext } from 'node:vm';
import { compileExpression } from '../../core/expressions/cel';
import type { ExpressionVars } from '../../core/expressions/expression';

const vars = (data: Record<string, unknown>, extra: Omit<ExpressionVars, 'event'> = {}): ExpressionVars => ({
  event: { name: 'user/signed.up', data, id: '01H', ts: 1 },
  steps: {},
  async: null,
  ...extra,
});

describe('compileExpression', () => {
  describe('standard CEL', () => {
    it.each([
      ["event.data.plan == 'pro'", { plan: 'pro' }, true],
      ["event.data.plan == 'pro'", { plan: 'free' }, false],
      ['event.data.n > 2', { n: 3 }, true],
      ['event.data.n > 2', { n: 3.5 }, true],
      ['event.data.n > 2', { n: 2 }, false],
      ['event.data.n == 3', { n: 3 }, true],
      ['event.data.n >= 2.5', { n: 3 }, true],
      ['size(event.data.items) == 2', { items: [1, 2] }, true],
      ["event.data.email.startsWith('a@')", { email: 'a@b.c' }, true],
      ['has(event.data.plan)', { plan: 'x' }, true],
      ['has(event.data.plan)', {}, false],
      ["'b' in event.data.tags", { tags: ['a', 'b'] }, true],
      ['event.data.items.exists(i, i > 1)', { items: [1, 2] }, true],
      ['event.data.items.all(i, i.ok)', { items: [{ ok: true }, { ok: true }] }, true],
    ])('%s with %j is %s', (source, data, expected) => {
      // Prepare
      const expression = compileExpression(source);

      // Act
      const result = expression.test(vars(data));

      // Assess
      expect(result).toBe(expected);
    });

    it('keeps its source and evaluates to non-boolean values', () => {
      // Prepare
      const expression = compileExpression("event.data.name + '!'");

      // Act
      const value = expression.evaluate(vars({ name: 'Ada' }));

      // Assess
      expect(expression.source).toBe("event.data.name + '!'");
      expect(value).toBe('Ada!');
    });

    it('reads async as null when there is no awaited event, and its fields when there is', () => {
      // Prepare
      const isNull = compileExpression('async == null');
      const match = compileExpression('async.data.id == event.data.id');

      // Act
      const results = [
        isNull.test(vars({})),
        isNull.test({ event: { data: {} } }),
        match.test(vars({ id: 7 }, { async: { name: 'user/deleted', data: { id: 7 } } })),
        match.test(vars({ id: 7 }, { async: { name: 'user/deleted', data: { id: 8 } } })),
      ];

      // Assess
      expect(results).toEqual([true, true, true, false]);
    });

    it('reads step outputs by id and the response variable', () => {
      // Prepare
      const expression = compileExpression("steps['fetch-profile'].body.verified == true && response.status == 200");

      // Act
      const result = expression.test(vars({}, { steps: { 'fetch-profile': { body: { verified: true } } }, response: { status: 200 } }));

      // Assess
      expect(result).toBe(true);
    });
  });

  describe('a missing field reads as null', () => {
    it.each([
      ['event.data.missing == null', {}],
      ['event.data.a.b == null', {}],
      ['event.data.a.b.c == null', { a: {} }],
      ['event.data.a.b == null', { a: null }],
      ["event.data['missing'] == null", {}],
      ['event.data.items[5] == null', { items: [1] }],
      ['!has(event.data.a.b)', {}],
      ['event.data.missing != 1', {}],
    ])('%s with %j', (source, data) => {
      // Prepare
      const expression = compileExpression(source);

      // Act
      const result = expression.test(vars(data));

      // Assess
      expect(result).toBe(true);
    });

    it('reads a step that has no output yet as null', () => {
      // Prepare
      const expression = compileExpression("steps['x'].y == null && steps.x == null");

      // Act
      const result = expression.test(vars({}, { steps: {} }));

      // Assess
      expect(result).toBe(true);
    });

    it('evaluates a missing field to null rather than throwing', () => {
      // Prepare
      const expression = compileExpression('event.data.a.b');

      // Act
      const value = expression.evaluate(vars({}));

      // Assess
      expect(value).toBeNull();
    });

    it('reads absent variables as null', () => {
      // Prepare
      const expression = compileExpression('steps.a == null && response == null && event.data == null');

      // Act
      const result = expression.test({});

      // Assess
      expect(result).toBe(true);
    });

    it('does not read inherited properties as fields', () => {
      // Prepare
      const expression = compileExpression('event.data.constructor == null && event.data.toString == null');

      // Act
      const result = expression.test(vars({}));

      // Assess
      expect(result).toBe(true);
    });
  });

  describe('values from another realm (vm contexts, structuredClone inside jest)', () => {
    it('reads them like local values', () => {
      // Prepare
      const foreign = runInNewContext("({ name: 'a', data: { plan: 'pro', items: [1, 2], nested: { ok: true } } })") as Record<string, unknown>;
      const expression = compileExpression("event.data.plan == 'pro' && size(event.data.items) == 2 && event.data.items[1] == 2 && event.data.nested.ok && event.data.gone == null");

      // Act
      const result = expression.test({ event: foreign });

      // Assess
      expect(Object.getPrototypeOf(foreign)).not.toBe(Object.prototype);
      expect(result).toBe(true);
    });

    it('reads foreign values held by a local object, and foreign variables as a whole', () => {
      // Prepare
      const steps = { a: runInNewContext('({ body: { n: 3 } })') as unknown };
      const asyncEvent = runInNewContext("({ data: { id: 'u-1' } })") as unknown;
      const expression = compileExpression("steps.a.body.n > 2 && async != null && async.data.id == 'u-1'");

      // Act
      const result = expression.test({ steps, async: asyncEvent });

      // Assess
      expect(result).toBe(true);
    });
  });

  describe('errors', () => {
    it('test() is false on an evaluation error, and evaluate() throws naming the expression', () => {
      // Prepare
      const expression = compileExpression('event.data.missing > 2');

      // Act
      const tested = expression.test(vars({}));
      const evaluating = () => expression.evaluate(vars({}));

      // Assess
      expect(tested).toBe(false);
      expect(evaluating).toThrow(/expression "event.data.missing > 2" failed: no such overload/);
    });

    it('test() is true only for boolean true', () => {
      // Prepare
      const truthy = ['event.data.n', "event.data.s", '[1]'].map((source) => compileExpression(source));

      // Act
      const results = truthy.map((expression) => expression.test(vars({ n: 1, s: 'yes' })));

      // Assess
      expect(results).toEqual([false, false, false]);
    });

    it.each([
      ['1 +', /invalid CEL "1 \+": Unexpected token: EOF at column 4/],
      ["event.data.plan == 'pro' &&", /invalid CEL .*: Unexpected token: EOF at column 28/],
      ['evnt.data.x == 1', /invalid CEL .*: Unknown variable: evnt at column 1/],
      ["1 == 'a'", /invalid CEL .*: no such overload: int == string/],
      ['   ', /the expression is empty/],
    ])('rejects %j', (source, message) => {
      // Act
      const compiling = () => compileExpression(source);

      // Assess
      expect(compiling).toThrow(message);
    });
  });
});
