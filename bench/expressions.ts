import { DEFAULT_EXPRESSION_BUDGET, onExpressionOverBudget } from '../core/expressions/budget';
import { compileExpression } from '../core/expressions/cel';
import type { Expression } from '../core/expressions/expression';
import { fmt, percentile } from './support/stats';

/**
 * Issue 9's figures: how long one CEL evaluation holds the event loop at most. For each expression
 * the event's list (or text) is sized by bisection to the largest that still fits the cost budget,
 * the most work an event-key holder can make one evaluation do; then the same expression on a whole
 * 256 KiB event, which goes over the budget. Run with `npx tsx bench/expressions.ts`.
 */
const ROUNDS = Number(process.env.ROUNDS ?? 50);
const MAX_ITEMS = 40_000; // about 256 KiB of JSON ids

const CASES: { name: string; source: string; text?: boolean }[] = [
  { name: 'ordinary trigger', source: "event.data.plan == 'pro' && event.data.n > 2" },
  { name: 'filter', source: 'event.data.list.filter(x, x > 5).size() > 0' },
  { name: 'quadratic filter (x in list)', source: 'event.data.list.filter(x, x in event.data.list).size() > 0' },
  { name: 'exists with a long body', source: 'event.data.list.exists(x, x * 2.0 + 1.0 == -1.0 || x - 3.0 == -7.0 || x / 5.0 == 11.0)' },
  { name: 'exists failing on every item', source: 'event.data.list.exists(x, x * 2 == 1)' },
  { name: 'map then size', source: 'event.data.list.map(x, x * 2.0).size() > 0' },
  { name: 'deep equality of two lists', source: 'event.data.list == event.data.list' },
  { name: 'list membership', source: '-1 in event.data.list' },
  { name: 'regex ^(a+)+$', source: "event.data.text.matches('^(a+)+$')", text: true },
  { name: 'regex [a-z]+@[a-z]+', source: "event.data.text.matches('[a-z]+@[a-z]+\\\\.com')", text: true },
  { name: 'string contains', source: "event.data.text.contains('zz')", text: true },
];

function eventOf(size: number, text: boolean): { event: unknown } {
  const data = text
    ? { text: 'a'.repeat(size * 6), plan: 'pro', n: 3 }
    : { list: Array.from({ length: size }, (_, index) => index), plan: 'pro', n: 3 };
  return { event: { name: 'bench/cel', data, id: 'e', ts: 0 } };
}

export async function benchExpressions(): Promise<void> {
  let over = 0;
  onExpressionOverBudget(() => { over += 1; });
  const fits = (expression: Expression, size: number, text: boolean): boolean => {
    over = 0;
    expression.test(eventOf(size, text));
    return over === 0;
  };
  console.log(`CEL on events up to 256 KiB, budget ${DEFAULT_EXPRESSION_BUDGET} units; ${ROUNDS} timed rounds after 3 to warm up:`);
  for (const { name, source, text = false } of CASES) {
    const expression = compileExpression(source);
    let low = 0;
    let high = MAX_ITEMS;
    if (fits(expression, high, text)) low = high;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (fits(expression, middle, text)) low = middle;
      else high = middle;
    }
    const timing = (size: number): string => {
      const vars = eventOf(size, text);
      for (let round = 0; round < 3; round += 1) expression.test(vars);
      over = 0;
      const times: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const started = performance.now();
        expression.test(vars);
        times.push(performance.now() - started);
      }
      return `p50 ${fmt(percentile(times, 50))}, max ${fmt(Math.max(...times))}${over > 0 ? ' (over budget)' : ''}`;
    };
    const unit = text ? 'characters' : 'items';
    const largest = text ? low * 6 : low;
    console.log(`  ${name.padEnd(30)} largest that fits: ${String(largest).padStart(6)} ${unit}: ${timing(low)}; whole event: ${timing(MAX_ITEMS)}`);
  }
  onExpressionOverBudget(() => {});
}

if (require.main === module) {
  benchExpressions().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
