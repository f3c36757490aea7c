import { DEFAULT_EXPRESSION_BUDGET, onExpressionOverBudget } from '../../core/expressions/budget';
import { compileExpression } from '../../core/expressions/cel';

type Report = Parameters<Parameters<typeof onExpressionOverBudget>[0]>[0];

describe('expression costs', () => {
  const reports: Report[] = [];
  beforeEach(() => {
    reports.length = 0;
    onExpressionOverBudget((report) => reports.push(report));
  });
  afterAll(() => onExpressionOverBudget(() => {}));

  it('refuses nested comprehensions over event data when compiled, naming both and the budget', () => {
    // Act
    const compiling = () => compileExpression('event.data.a.exists(x, event.data.b.exists(y, x == y))');
    // Assess
    expect(compiling).toThrow(`nested comprehensions: "event.data.b.exists(y, x == y)" runs once for every element of "event.data.a.exists(x, event.data.b.exists(y, x == y))"`);
    expect(compiling).toThrow(`more than the budget of ${DEFAULT_EXPRESSION_BUDGET} units`);
  });

  it('allows nesting while one side is a small literal list, and refuses literal lists whose product cannot fit', () => {
    // Prepare
    const thousand = `[${Array.from({ length: 1000 }, (_, index) => index).join(',')}]`;
    // Act
    const small = compileExpression('[1, 2, 3].exists(x, event.data.b.exists(y, x == y))');
    const huge = () => compileExpression(`${thousand}.all(x, ${thousand}.all(y, x != y || x == y))`);
    // Assess
    expect(small.test({ event: { data: { b: [5, 3] } } })).toBe(true);
    expect(huge).toThrow(/nested comprehensions/);
  });

  it('counts a filter that is quadratic in the event as false, and reports it with its context', () => {
    // Prepare: 5,000 ids, each looked up in the whole list: 25 million comparisons without a budget.
    const ids = Array.from({ length: 5000 }, (_, index) => index);
    const expression = compileExpression('event.data.ids.filter(x, x in event.data.ids).size() > 0', { context: 'hog triggers[0].expression' });
    // Act
    const result = expression.test({ event: { data: { ids } } });
    // Assess
    expect(result).toBe(false);
    expect(reports).toEqual([{
      expression: 'event.data.ids.filter(x, x in event.data.ids).size() > 0',
      context: 'hog triggers[0].expression',
      reason: expect.stringMatching(/^went over its cost budget \((20000 units|10 ms)\): it is counted as false/),
    }]);
  });

  it('evaluates the same filter over a small list to its true value, unreported', () => {
    // Prepare
    const expression = compileExpression('event.data.ids.filter(x, x in event.data.ids).size() == 50');
    // Act
    const result = expression.test({ event: { data: { ids: Array.from({ length: 50 }, (_, index) => index) } } });
    // Assess
    expect(result).toBe(true);
    expect(reports).toEqual([]);
  });

  it('makes evaluate() throw naming the budget', () => {
    // Prepare
    const expression = compileExpression('event.data.list.map(x, x * 2).size()');
    // Act
    const evaluating = () => expression.evaluate({ event: { data: { list: Array.from({ length: 100_000 }, () => 1) } } });
    // Assess
    expect(evaluating).toThrow(/^expression "event.data.list.map\(x, x \* 2\).size\(\)" failed: went over its cost budget/);
    expect(reports).toHaveLength(1);
  });

  it('matches with RE2: a pattern that backtracks exponentially answers at once', () => {
    // Prepare: JavaScript's RegExp took 40 s for this pattern on 31 characters.
    const expression = compileExpression("event.data.s.matches('^(a+)+$')");
    // Act
    const results = [expression.test({ event: { data: { s: `${'a'.repeat(40)}b` } } }), expression.test({ event: { data: { s: 'a'.repeat(40) } } })];
    // Assess
    expect(results).toEqual([false, true]);
  });

  it('keeps matches() finding the pattern anywhere, and refuses a pattern RE2 cannot run when compiled', () => {
    // Act
    const found = compileExpression("event.data.s.matches('b+c')").test({ event: { data: { s: 'abbcd' } } });
    const backReference = () => compileExpression("event.data.s.matches('(a)\\\\1')");
    // Assess
    expect(found).toBe(true);
    expect(backReference).toThrow(/invalid regular expression .* for matches\(\): .*\(CEL uses RE2 syntax/);
  });

  it('charges a long subject before matching it, and counts that as false', () => {
    // Prepare
    const expression = compileExpression("event.data.s.matches('^[a-z]+$')", { context: 'long' });
    // Act
    const result = expression.test({ event: { data: { s: 'a'.repeat(256 * 1024) } } });
    // Assess
    expect(result).toBe(false);
    expect(reports.map((report) => report.context)).toEqual(['long']);
  });

  it('charges the errors a quantifier catches, so data failing every element cannot run on for free', () => {
    // Prepare: `x * 2` has no overload for the double x, so each of the 10,000 elements throws and exists() goes on.
    const expression = compileExpression('event.data.list.exists(x, x * 2 == 1)', { context: 'errors' });
    // Act
    const result = expression.test({ event: { data: { list: Array.from({ length: 10_000 }, (_, index) => index + 0.5) } } });
    // Assess
    expect(result).toBe(false);
    expect(reports.map((report) => report.context)).toEqual(['errors']);
  });

  it('charges a pattern taken from the event for its compilation', () => {
    // Prepare
    const expression = compileExpression('event.data.s.matches(event.data.pattern)', { context: 'dynamic' });
    // Act
    const short = expression.test({ event: { data: { s: 'abc', pattern: 'b+' } } });
    const long = expression.test({ event: { data: { s: 'abc', pattern: '(a|b)'.repeat(2000) } } });
    // Assess
    expect([short, long]).toEqual([true, false]);
    expect(reports.map((report) => report.context)).toEqual(['dynamic']);
  });
});
