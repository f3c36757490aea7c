/**
 * The step's output from its standard output (SPEC section 4): the last line that parses as JSON,
 * else `{"body": "<stdout>"}`.
 */
export function parseStepOutput(stdout: string): unknown {
  const lines = stdout.split('\n');
  for (let index = lines.length - 1; index >= 0; index -= 1) {
    const line = (lines[index] as string).trim();
    if (line === '') continue;
    try {
      return JSON.parse(line) as unknown;
    } catch {
      // Not JSON: keep looking further up.
    }
  }
  return { body: stdout };
}

/** The `status` an output carries, when it is an object with a numeric one. */
export function outputStatus(output: unknown): number | undefined {
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return undefined;
  const status = (output as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}
