import { ValidationError } from '../../core/errors';

/** The problems of the ValidationError that `run` throws; fails when it throws none or another error. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}
