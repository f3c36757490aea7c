import { RE2JS } from 're2js';
import { charge } from './budget';

/**
 * `matches()` through RE2JS instead of cel-js's JavaScript RegExp: CEL specifies RE2 syntax, and RE2
 * matches in time linear in the input, where a backtracking engine took 40 s for `^(a+)+$` on 31
 * characters. Its cost (characters times program size) is charged before it runs.
 */
const CACHE_LIMIT = 256;
const compiled = new Map<string, RE2JS>();
/** Charged per character per instruction of the program (measured: 15-50 ns each here). */
const UNITS_PER_CHARACTER_INSTRUCTION = 0.5;

/** The compiled pattern; throws an Error naming the problem for a pattern RE2 does not accept. */
export function compilePattern(pattern: string): RE2JS {
  const known = compiled.get(pattern);
  if (known) return known;
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    throw new Error(`invalid regular expression ${JSON.stringify(pattern.slice(0, 100))} for matches(): ${(error as Error).message} (CEL uses RE2 syntax: no look-around or back-references)`, { cause: error });
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, regex);
  return regex;
}

/** Units to compile a pattern, per character (re2js takes about 10 µs per character here). */
const COMPILE_UNITS_PER_CHARACTER = 100;

/**
 * `subject.matches(pattern)`: true when the pattern matches anywhere in the subject. `fixed` is the
 * pattern compiled once when the expression was (a literal); other patterns are charged to compile.
 */
export function matches(subject: unknown, pattern: unknown, fixed?: RE2JS): boolean {
  if (typeof subject !== 'string' || typeof pattern !== 'string') {
    throw new Error(`no such overload: matches() needs a string and a pattern string, got ${typeof subject} and ${typeof pattern}`);
  }
  let regex = fixed ?? compiled.get(pattern);
  if (!regex) {
    charge(1 + pattern.length * COMPILE_UNITS_PER_CHARACTER);
    regex = compilePattern(pattern);
  }
  charge(1 + Math.ceil(subject.length * regex.programSize() * UNITS_PER_CHARACTER_INSTRUCTION));
  return regex.test(subject);
}
