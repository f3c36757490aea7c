import { compileFunction } from '../../core/functions/compile';
import { FUNCTION_LIMITS } from '../../core/functions/limits';
import { parseFunctionFile } from '../../core/functions/parse-file';
import { validateFunction } from '../../core/functions/validate';
import { checkGraph } from '../../core/functions/validate-graph';
import { problemsOf } from '../support/problems';

const SOURCE = 'PUT /v1/functions/big';
const http = { type: 'http', url: 'https://example.com/step' };
const validating = (raw: unknown) => problemsOf(() => validateFunction(raw, SOURCE));

function fn(steps: Record<string, unknown>, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'big', triggers: [{ event: 'user/signed.up' }], steps, ...patch };
}

/** Steps s0..s(n-1), each after the one before it; listed last-first, so file order is the reverse of run order. */
function chain(length: number): Record<string, unknown> {
  const steps: Record<string, unknown> = {};
  for (let index = length - 1; index >= 0; index -= 1) {
    steps[`s${index}`] = { runtime: http, after: [{ step: index === 0 ? '$trigger' : `s${index - 1}` }] };
  }
  return steps;
}

describe('validateFunction on hostile input', () => {
  it('refuses ids over the length limit without comparing them to anything, naming the limit', () => {
    // Prepare: the case that ran the stack out of heap: 40,000-character ids and a missing parent.
    const long = 'x'.repeat(40_000);
    const raw = fn({ [long]: { runtime: http, after: [{ step: `${long}y` }] } }, { id: 'f'.repeat(40_000) });
    // Act
    const problems = validating(raw);
    // Assess
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringContaining(`id: 40000 characters is over the limit of ${FUNCTION_LIMITS.idLength} for a function id (FUNCTION_LIMITS.idLength)`),
      expect.stringContaining('step id of 40000 characters is over the limit of 128 (FUNCTION_LIMITS.idLength)'),
    ]));
    expect(problems.join('\n').length).toBeLessThan(4000);
  });

  it.each([
    ['steps', () => fn(chain(FUNCTION_LIMITS.steps + 1)), `1001 steps is over the limit of ${FUNCTION_LIMITS.steps} per function (FUNCTION_LIMITS.steps)`],
    ['edges per step', () => fn({
      ...chain(1), fan: { runtime: http, after: Array.from({ length: FUNCTION_LIMITS.edgesPerStep + 1 }, (_, index) => ({ step: `p${index}` })) },
    }), `101 parents is over the limit of ${FUNCTION_LIMITS.edgesPerStep} per step (FUNCTION_LIMITS.edgesPerStep)`],
    ['expression length', () => fn(chain(1), { triggers: [{ event: 'a', expression: `event.data.x == '${'y'.repeat(FUNCTION_LIMITS.expressionLength)}'` }] }),
      `characters is over the limit of ${FUNCTION_LIMITS.expressionLength} for an expression (FUNCTION_LIMITS.expressionLength)`],
    ['triggers', () => fn(chain(1), { triggers: Array.from({ length: 11 }, (_, index) => ({ event: `e${index}` })) }), '11 triggers is over the limit of 10 per function (FUNCTION_LIMITS.triggers)'],
    ['cancel rules', () => fn(chain(1), { cancel: Array.from({ length: 11 }, () => ({ event: 'user/deleted' })) }), '11 rules is over the limit of 10 per function (FUNCTION_LIMITS.cancelRules)'],
    ['Docker memory', () => fn({ a: { runtime: { type: 'docker', image: 'a', memory: '1000Ti' }, after: [{ step: '$trigger' }] } }),
      'steps.a.runtime.memory: 1000Ti is over the limit of 1Ti (FUNCTION_LIMITS.dockerMemoryBytes)'],
    ['Docker CPUs', () => fn({ a: { runtime: { type: 'docker', image: 'a', cpus: 1000 }, after: [{ step: '$trigger' }] } }),
      'steps.a.runtime.cpus: 1000 is over the limit of 256 CPUs (FUNCTION_LIMITS.dockerCpus)'],
    ['names', () => fn({ a: { name: 'n'.repeat(300), runtime: http, after: [{ step: '$trigger' }] } }), 'steps.a.name: 300 characters is over the limit of 256 (FUNCTION_LIMITS.nameLength)'],
    ['event name length', () => fn(chain(1), { triggers: [{ event: 'e'.repeat(300) }] }), '300 characters is over the limit of 256 for an event name (FUNCTION_LIMITS.eventNameLength)'],
  ])('refuses too many or too long %s, naming the limit', (_limit, raw, message) => {
    // Act
    const problems = validating(raw());
    // Assess
    expect(problems).toEqual([expect.stringContaining(message)]);
  });

  it('lists a bounded number of problems for 2,000 edges to missing steps, and says how many more there are', () => {
    // Prepare: 20 steps of 100 edges each, every edge to a step that does not exist.
    const steps: Record<string, unknown> = chain(1);
    for (let step = 0; step < 20; step += 1) {
      steps[`fan${step}`] = { runtime: http, after: Array.from({ length: 100 }, (_, edge) => ({ step: `missing-${step}-${edge}-${'z'.repeat(100)}` })) };
    }
    // Act
    const problems = validating(fn(steps));
    // Assess
    expect(problems).toHaveLength(FUNCTION_LIMITS.problems + 1);
    expect(problems[0]).toContain('no step "missing-0-0-zzz');
    expect(problems.at(-1)).toBe(`${SOURCE}: and 1980 more problems (only the first 20 are listed)`);
    expect(problems.join('\n').length).toBeLessThan(20_000);
  });

  it('still gives the "did you mean" hint for short ids among many steps, listing only some of them', () => {
    // Prepare
    const steps = chain(500);
    steps.last = { runtime: http, after: [{ step: 's4999' }] };
    // Act
    const problems = validating(fn(steps));
    // Assess
    expect(problems).toEqual([expect.stringMatching(/no step "s4999"; did you mean "s\d+"\?.*, and 490 more\)$/)]);
  });

  it('validates and compiles the longest chain allowed, listed in reverse, parents first', () => {
    // Prepare
    const raw = fn(chain(FUNCTION_LIMITS.steps));
    // Act
    const compiled = compileFunction(validateFunction(raw, SOURCE));
    // Assess
    expect(compiled.order).toHaveLength(FUNCTION_LIMITS.steps);
    expect(compiled.order.slice(0, 3)).toEqual(['s0', 's1', 's2']);
    expect(compiled.order.at(-1)).toBe('s999');
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses %s as a step id, a function id and a variable name', (reserved) => {
    // Prepare: parsed from JSON, as an API body is, so `__proto__` is an own key.
    const steps = JSON.parse(`{"${reserved}": { "runtime": { "type": "http", "url": "https://example.com" }, "after": [{ "step": "$trigger" }] },
      "b": { "runtime": { "type": "docker", "image": "busybox", "env": { "${reserved}": "x" } }, "after": [{ "step": "${reserved}" }] } }`) as Record<string, unknown>;
    const id = reserved === '__proto__' ? 'constructor' : reserved;
    // Act
    const problems = validating(fn(steps, { id }));
    // Assess
    expect(problems).toEqual([
      `${SOURCE}: id: "${id}" is a reserved name (__proto__, constructor, prototype): choose another id`,
      `${SOURCE}: steps.${reserved}: step id "${reserved}" is a reserved name (__proto__, constructor, prototype): choose another id`,
      `${SOURCE}: steps.b.runtime.env.${reserved}: is a reserved name (__proto__, constructor, prototype): choose another variable name`,
    ]);
  });

  it('refuses a __proto__ step written in a YAML file', () => {
    // Prepare
    const text = 'id: yaml-proto\ntriggers: [{ event: a }]\nsteps:\n  __proto__:\n    runtime: { type: http, url: "https://example.com" }\n    after: [{ step: $trigger }]\n';
    // Act
    const problems = problemsOf(() => parseFunctionFile('functions/proto.yaml', text));
    // Assess
    expect(problems).toEqual(['functions/proto.yaml: steps.__proto__: step id "__proto__" is a reserved name (__proto__, constructor, prototype): choose another id']);
  });

  it('does not take an edge to "constructor" for an edge to an existing step', () => {
    // Act
    const problems = validating(fn({ a: { runtime: http, after: [{ step: 'constructor' }] } }));
    // Assess
    expect(problems).toEqual([expect.stringContaining('steps.a.after[0].step: no step "constructor"')]);
  });

  it('survives a field nested too deeply to print', () => {
    // Prepare
    const deep = JSON.parse(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`) as unknown;
    // Act
    const problems = validating(fn(chain(1), { retries: { attempts: deep } }));
    // Assess
    expect(problems).toEqual([`${SOURCE}: retries.attempts: a value too deeply nested to show: must be a whole number from 0 to 20 (retries after the first try)`]);
  });
});

describe('checkGraph', () => {
  it('checks a 100,000-step chain and names a 100,000-step cycle without recursion, in a bounded message', () => {
    // Prepare
    const length = 100_000;
    const chained = new Map<string, Record<string, unknown>>();
    const cycled = new Map<string, Record<string, unknown>>();
    for (let index = 0; index < length; index += 1) {
      chained.set(`s${index}`, { after: [{ step: index === 0 ? '$trigger' : `s${index - 1}` }] });
      cycled.set(`s${index}`, { after: [{ step: `s${(index + length - 1) % length}` }] });
    }
    const chainProblems: string[] = [];
    const cycleProblems: string[] = [];
    // Act
    checkGraph(chained, (path, message) => chainProblems.push(`${path}: ${typeof message === 'function' ? message() : message}`));
    checkGraph(cycled, (path, message) => cycleProblems.push(`${path}: ${typeof message === 'function' ? message() : message}`));
    // Assess
    expect(chainProblems).toEqual([]);
    expect(cycleProblems).toEqual([
      'steps.s0.after: cycle s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> s9 -> ... (100000 steps): these steps wait for each other and would never run; remove one of these edges',
    ]);
  });
});
