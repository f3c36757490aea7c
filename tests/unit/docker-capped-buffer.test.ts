import { CappedBuffer } from '../../adapters/docker/capped-buffer';

describe('CappedBuffer', () => {
  it('keeps the first bytes and calls back once when it overflows', () => {
    // Prepare
    let overflows = 0;
    const buffer = new CappedBuffer(5, 'head', () => { overflows += 1; });
    // Act
    for (const part of ['abc', 'def', 'ghi']) buffer.write(Buffer.from(part));
    // Assess
    expect(buffer.text()).toBe('abcde');
    expect(buffer.total).toBe(9);
    expect(buffer.overflowed).toBe(true);
    expect(overflows).toBe(1);
  });

  it('keeps the last bytes in tail mode', () => {
    const buffer = new CappedBuffer(5, 'tail');
    for (const part of ['abc', 'def', 'ghi']) buffer.write(Buffer.from(part));
    expect(buffer.text()).toBe('efghi');
  });

  it('does not overflow at exactly the limit', () => {
    const buffer = new CappedBuffer(6, 'head');
    buffer.write(Buffer.from('abcdef'));
    expect(buffer.overflowed).toBe(false);
    expect(buffer.text()).toBe('abcdef');
  });
});
