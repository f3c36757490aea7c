import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `gc` without starting node with --expose-gc: the flag takes effect for contexts made after it.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** A full collection, so a measurement does not pay for the garbage of the one before it. */
export function collectGarbage(): void {
  gc();
}
