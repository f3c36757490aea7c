import type { StepOutcome } from '../../core/ports/driver';
import { formatDuration } from '../../core/duration';
import { MAX_NESTING_DEPTH, nestedDeeperThan } from '../../core/nesting';
import { outputStatus, parseStepOutput } from './output';
import type { ContainerResult } from './run-container';

export interface OutcomeContext {
  timeoutMs: number;
  /** The memory limit as the step (or stage) wrote it, for messages. */
  memory?: string;
  maxStdoutBytes: number;
}

/** The step's outcome from how its container ended (SPEC section 4). */
export function toOutcome(result: ContainerResult, context: OutcomeContext): StepOutcome {
  const stderr = result.stderr.trim() === '' ? '' : `; stderr: ${result.stderr.trimEnd()}`;
  if (result.killedFor === 'stdout-limit') {
    return { kind: 'failure', retryable: false, error: `standard output went over the limit of ${bytes(context.maxStdoutBytes)} (maxStdoutBytes): the container was killed${stderr}` };
  }
  if (result.killedFor === 'timeout') {
    return { kind: 'failure', retryable: true, error: `timed out after ${formatDuration(context.timeoutMs)}: the container was killed${stderr}` };
  }
  if (result.oomKilled) {
    return { kind: 'failure', retryable: true, error: `out of memory: the container went over its memory limit of ${context.memory ?? 'the machine'} and was killed (exit code ${result.exitCode})${stderr}` };
  }
  const output = parseStepOutput(result.stdout);
  // No store could keep (or a later step read) an output nested this deep: it never becomes one.
  if (nestedDeeperThan(output, MAX_NESTING_DEPTH)) {
    return { kind: 'failure', retryable: false, error: `the output (last JSON line of standard output) nests deeper than ${MAX_NESTING_DEPTH} levels, the cap for step outputs: print a flatter value (exit code ${result.exitCode})${stderr}` };
  }
  if (result.exitCode === 0) return { kind: 'success', output };
  const status = outputStatus(output);
  const final = status !== undefined && status >= 400 && status <= 499;
  const why = final ? ` (output status ${status}: not retried)` : '';
  return { kind: 'failure', retryable: !final, output, error: `container exited with code ${result.exitCode}${why}${stderr}` };
}

function bytes(count: number): string {
  if (count % 2 ** 20 === 0) return `${count / 2 ** 20} MiB`;
  if (count % 2 ** 10 === 0) return `${count / 2 ** 10} KiB`;
  return `${count} bytes`;
}
