import { ancestorsOf } from '../../core/functions/ancestors';
import { type StepInputs, extendInputs, inputsOf } from '../../core/services/step-inputs';
import { compile } from '../support/functions';

/** The inputs' `steps` JSON, closed. */
const stepsJson = (inputs: StepInputs): string => `${inputs.json.open().toString('utf8')}}`;

describe('step inputs along a chain', () => {
  const fn = compile({}, {
    a: { after: [{ step: '$trigger' }] },
    b: { after: [{ step: 'a' }] },
    p: { after: [{ step: 'b' }] },
    c: { after: [{ step: 'p' }] },
    side: { after: [{ step: '$trigger' }] },
    join: { after: [{ step: 'c' }, { step: 'side' }] },
  });

  it('extends a parent\'s inputs into its child\'s, the same as reading them anew', () => {
    // Prepare
    const known = new Map<string, unknown>([['a', { n: 1 }]]);
    let inputs = inputsOf(known, ancestorsOf(fn, 'b'));
    // Act
    for (const [parent, child, output] of [['b', 'p', { n: 2 }], ['p', 'c', [3]]] as const) {
      known.set(parent, output);
      inputs = extendInputs(fn, parent, inputs, output, child)!;
      // Assess
      const fresh = inputsOf(known, ancestorsOf(fn, child));
      expect(inputs.steps).toEqual(fresh.steps);
      expect(Object.keys(inputs.steps).sort()).toEqual(Object.keys(fresh.steps).sort());
      expect(JSON.parse(stepsJson(inputs))).toEqual(JSON.parse(JSON.stringify(fresh.steps)));
    }
  });

  it('keeps an output of a step named __proto__ as an own key', () => {
    // Act
    const inputs = inputsOf(new Map([['__proto__', 1]]), ['__proto__']);
    // Assess
    expect(Object.hasOwn(inputs.steps, '__proto__')).toBe(true);
    expect(stepsJson(inputs)).toBe('{"__proto__":1}');
  });

  it('declines a fan-in step (it has ancestors beyond the parent\'s) and a step that is not a child', () => {
    // Prepare
    const known = new Map<string, unknown>([['a', 1], ['b', 2], ['p', 3]]);
    // Act
    const fanIn = extendInputs(fn, 'c', inputsOf(known, ancestorsOf(fn, 'c')), 4, 'join');
    const notChild = extendInputs(fn, 'a', inputsOf(known, []), 1, 'c');
    // Assess
    expect(fanIn).toBeUndefined();
    expect(notChild).toBeUndefined();
  });

  it('leaves out an output without a JSON form, as JSON.stringify does', () => {
    // Act
    const inputs = extendInputs(fn, 'a', inputsOf(new Map(), []), undefined, 'b')!;
    // Assess
    expect(stepsJson(inputs)).toBe('{}');
  });
});
