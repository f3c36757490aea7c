import { YAMLParseError, parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors';
import type { FunctionDefinition } from './definition';
import { validateFunction } from './validate';

/**
 * A function file's text, parsed by its extension (`.json`, `.yaml`, `.yml`) and validated. Throws
 * `ValidationError`: syntax errors name the file, line and column; then every validation problem.
 */
export function parseFunctionFile(fileName: string, text: string): FunctionDefinition {
  return validateFunction(parseText(fileName, text), fileName);
}

function parseText(fileName: string, text: string): unknown {
  const extension = /\.(json|ya?ml)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (!extension) throw new ValidationError([`${fileName}: not a function file: name it *.json, *.yaml or *.yml`]);
  try {
    return extension === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ValidationError([`${fileName}: ${syntaxProblem(error, text, extension === 'json' ? 'JSON' : 'YAML')}`], { cause: error });
  }
}

function syntaxProblem(error: unknown, text: string, format: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof YAMLParseError && error.linePos) {
    const [{ line, col }] = error.linePos;
    return `line ${line}, column ${col}: ${format} syntax error: ${message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`;
  }
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const before = text.slice(0, Number(position[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return `line ${line}, column ${column}: ${format} syntax error: ${message.replace(/ in JSON at position \d+.*$/, '')}`;
  }
  if (/end of JSON input/.test(message)) return `line ${text.split('\n').length}: ${format} syntax error: the file ends too early`;
  return `${format} syntax error: ${message}`;
}
