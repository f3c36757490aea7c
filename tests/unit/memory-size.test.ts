import { parseMemory } from '../../core/memory';

describe('parseMemory', () => {
  it.each([
    ['256Mi', 256 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['512M', 512e6],
    ['2G', 2e9],
    ['8192Ki', 8192 * 1024],
    ['10000000', 10_000_000],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseMemory(text)).toBe(bytes);
  });

  it('refuses Docker-style lowercase units, suggesting the binary unit', () => {
    expect(() => parseMemory('512m')).toThrow('memory "512m" is not a quantity (did you mean 512Mi?)');
  });

  it('refuses text that is no quantity, naming the fix', () => {
    expect(() => parseMemory('lots')).toThrow('write it as 256Mi, 1Gi, 512M or a number of bytes');
  });

  it("refuses limits below Docker's minimum", () => {
    expect(() => parseMemory('4Mi')).toThrow("below Docker's minimum of 6Mi");
  });
});
