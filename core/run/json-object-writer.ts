/**
 * The UTF-8 JSON of an object written member by member (`{"a":1,"b":2}`), for the `steps` of the
 * inputs along a chain: step i of a chain reads i outputs, and joining their JSON anew for every step
 * made a step's cost grow with its depth (bench/run-state.ts, chain of 500 against chain of 10).
 * Appending costs the new member only. A view handed out by `open()` never changes afterwards: later
 * members are written past its end, or into a new buffer once this one is full.
 */
export class JsonObjectWriter {
  private buffer: Buffer;
  private length = 1;

  constructor(capacity = 512) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 2));
    this.buffer[0] = 0x7b; // {
  }

  /** Adds `"id":value`, given as JSON. */
  append(member: string): void {
    const separator = this.length > 1 ? 1 : 0;
    const needed = this.length + separator + Buffer.byteLength(member);
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (separator) this.buffer[this.length] = 0x2c; // ,
    this.length += separator;
    this.length += this.buffer.write(member, this.length);
  }

  /** The object so far without its closing brace, which the writer of the whole input adds. */
  open(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}
