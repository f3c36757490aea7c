import { Writable } from 'node:stream';
import { consoleLogger, jsonLogger } from '../../platform/logging';
import { REDACTED, escapeControl, redactor } from '../../platform/logging/scrub';

function capture(): { stream: Writable; text(): string } {
  let text = '';
  const stream = new Writable({ write(chunk: Buffer, _encoding, done) { text += chunk.toString('utf8'); done(); } });
  return { stream, text: () => text };
}

describe('log lines', () => {
  it('escape every control character and the Unicode line separators', () => {
    // Act
    const escaped = escapeControl('a\nb\rc\td\u0000e\u001bf\u007fg\u0085h\u2028i\u2029j');

    // Assess
    expect(escaped).toBe('a\\nb\\rc\\td\\u0000e\\u001bf\\u007fg\\u0085h\\u2028i\\u2029j');
  });

  it('keep one record on one line in the readable format, keys and values alike', () => {
    // Prepare
    const out = capture();
    const logger = consoleLogger({ stream: out.stream });

    // Act
    logger.info('run started\nFORGED', { eventId: 'e\n10:00:00.000 error forged', 'k\ney': { nested: 'x\ny' } });

    // Assess
    expect(out.text().split('\n')).toHaveLength(2); // one line and the final newline
    expect(out.text()).toContain('run started\\nFORGED eventId=e\\n10:00:00.000 error forged k\\ney={"nested":"x\\ny"}');
  });

  it('keep one record on one line as JSON, U+2028 and U+2029 included', () => {
    // Prepare
    const lines: string[] = [];
    const logger = jsonLogger({ service: 'test' }, { write: (line) => lines.push(line) });

    // Act
    logger.warn('x', { id: 'a\u2028b\u2029c\nd', error: new Error('boom') });

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\n\u2028\u2029]/);
    expect(JSON.parse(lines[0]!)).toEqual(expect.objectContaining({ level: 'warn', message: 'x', service: 'test', id: 'a\u2028b\u2029c\nd', error: 'boom' }));
  });

  it('never print a secret, in any form it takes on the line', () => {
    // Prepare
    const secrets = ['s3cr"et\\key', 'p@ss/word', 'tab\there'];
    const lines: string[] = [];
    const out = capture();
    const json = jsonLogger({}, { secrets, write: (line) => lines.push(line) });
    const text = consoleLogger({ secrets, stream: out.stream });

    // Act
    for (const logger of [json, text]) {
      logger.error('redis://:p%40ss%2Fword@cache:6379 failed', { key: 's3cr"et\\key', url: 'rediss://:p@ss/word@h', tab: 'tab\there' });
    }

    // Assess
    const all = [...lines, out.text()].join('\n');
    for (const form of ['s3cr', 'p@ss', 'p%40ss', 'tab\\there', 'tab\there']) expect(all).not.toContain(form);
    expect(all).toContain(REDACTED);
  });

  it('redact nothing when no secret is set', () => {
    // Assess
    expect(redactor([])('a line')).toBe('a line');
    expect(redactor([''])('a line')).toBe('a line');
  });
});
