import type { CompiledFunction } from '../functions/compiled';
import { compileKnown } from '../functions/compile';
import type { LoadedRun } from '../ports/state';

/** The function a run started on, compiled (cached by the hash the run keeps). */
export function compileForRun(run: LoadedRun): CompiledFunction {
  return compileKnown(run.doc.functionHash, () => run.definition);
}
