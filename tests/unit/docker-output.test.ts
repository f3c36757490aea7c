import { outputStatus, parseStepOutput } from '../../adapters/docker/output';
import { toOutcome } from '../../adapters/docker/outcome';
import type { ContainerResult } from '../../adapters/docker/run-container';

const ended = (overrides: Partial<ContainerResult>): ContainerResult => ({
  exitCode: 0, oomKilled: false, stdout: '', stdoutBytes: 0, stderr: '', ...overrides,
});
const context = { timeoutMs: 90_000, memory: '64Mi', maxStdoutBytes: 4 * 2 ** 20 };

describe('parseStepOutput', () => {
  it('takes the last line that parses as JSON, skipping text and blank lines after it', () => {
    expect(parseStepOutput('log line\n{"a":1}\n{"b":2}\ntrailing text\n\n')).toEqual({ b: 2 });
  });

  it('wraps output without any JSON line as {body}', () => {
    expect(parseStepOutput('hello\nworld\n')).toEqual({ body: 'hello\nworld\n' });
    expect(parseStepOutput('')).toEqual({ body: '' });
  });

  it('accepts any JSON value on the line, as the protocol says', () => {
    expect(parseStepOutput('text\n[1,2]\n')).toEqual([1, 2]);
  });
});

describe('outputStatus', () => {
  it('reads a numeric status of an object only', () => {
    expect(outputStatus({ status: 404 })).toBe(404);
    expect(outputStatus({ status: '404' })).toBeUndefined();
    expect(outputStatus([404])).toBeUndefined();
  });
});

describe('toOutcome', () => {
  it('succeeds on exit 0 with the parsed output', () => {
    expect(toOutcome(ended({ stdout: '{"ok":true}\n' }), context)).toEqual({ kind: 'success', output: { ok: true } });
  });

  it('fails retryably on a non-zero exit, keeping stderr and output', () => {
    expect(toOutcome(ended({ exitCode: 2, stdout: '{"status":500}', stderr: 'boom\n' }), context)).toEqual({
      kind: 'failure', retryable: true, output: { status: 500 }, error: 'container exited with code 2; stderr: boom',
    });
  });

  it('fails for good when the output carries a 4xx status', () => {
    const outcome = toOutcome(ended({ exitCode: 1, stdout: '{"status":422}' }), context);
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false, error: 'container exited with code 1 (output status 422: not retried)' });
  });

  it('says a killed container timed out, retryably', () => {
    expect(toOutcome(ended({ exitCode: 137, killedFor: 'timeout' }), context)).toEqual({
      kind: 'failure', retryable: true, error: 'timed out after 1m30s: the container was killed',
    });
  });

  it('says an OOM-killed container ran out of memory, naming the limit', () => {
    expect(toOutcome(ended({ exitCode: 137, oomKilled: true }), context)).toMatchObject({
      kind: 'failure', error: 'out of memory: the container went over its memory limit of 64Mi and was killed (exit code 137)',
    });
  });

  it('fails for good past the stdout cap, naming the limit', () => {
    expect(toOutcome(ended({ exitCode: 137, killedFor: 'stdout-limit' }), context)).toEqual({
      kind: 'failure', retryable: false, error: 'standard output went over the limit of 4 MiB (maxStdoutBytes): the container was killed',
    });
  });

  it('fails for good on an output nested deeper than 64 levels, naming the cap, with no output kept', () => {
    // Prepare
    const deep = `log line\n${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}\n`;
    // Act
    const outcomes = [0, 1].map((exitCode) => toOutcome(ended({ exitCode, stdout: deep }), context));
    // Assess
    for (const outcome of outcomes) {
      expect(outcome).toEqual({ kind: 'failure', retryable: false, error: expect.stringContaining('nests deeper than 64 levels, the cap for step outputs') });
    }
  });
});
