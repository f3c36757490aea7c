import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, ValidationError } from '../core/errors';
import type { FunctionDefinition } from '../core/functions/definition';
import { parseFunctionFile } from '../core/functions/parse-file';

const FUNCTION_FILE = /\.(json|ya?ml)$/i;

/**
 * Every `*.json|*.yaml|*.yml` directly in `dir`, in name order. A bad file is skipped and reported in
 * `errors` (one line per problem); so is a file whose id another file already uses. A missing folder
 * is an empty list.
 */
export async function loadFunctionsDir(dir: string): Promise<{ functions: FunctionDefinition[]; errors: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((entry) => entry.isFile() && FUNCTION_FILE.test(entry.name)).map((entry) => entry.name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { functions: [], errors: [] };
    throw error;
  }
  const functions: FunctionDefinition[] = [];
  const errors: string[] = [];
  const fileOfId = new Map<string, string>();
  for (const name of names.sort()) {
    const file = join(dir, name);
    try {
      const definition = parseFunctionFile(file, await readFile(file, 'utf8'));
      const other = fileOfId.get(definition.id);
      if (other) {
        errors.push(`${file}: id: "${definition.id}" is already the id of ${other}: give each function its own id (this file was skipped)`);
        continue;
      }
      fileOfId.set(definition.id, file);
      functions.push(definition);
    } catch (error) {
      if (error instanceof ValidationError) errors.push(...error.problems);
      else errors.push(`${file}: could not be read: ${errorMessage(error)}`);
    }
  }
  return { functions, errors };
}
