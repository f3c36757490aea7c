/**
 * The UTF-8 JSON of an object written member by member (`{"a":1,"b":2}`), for the `steps` of the
 * inputs along a chain: step i of a chain reads i outputs, and joining their JSON anew for every step
 * made a step's cost grow with its depth (bench/run-state.ts, chain of 500 against chain of 10).
 * Appending costs the new member only. A view handed out by `open()` never changes afterwards: later
 * members are written past its end, or into a new buffer once this one is full.
 */
export class JsonObjectWriter {
  private buffer: Buffer;
  /** Where the object's `{` is: the bytes before it are room for a frame's head (see `framed`). */
  private start = 0;
  /** The end of the object so far. */
  private length = 1;

  constructor(capacity = 512) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 2));
    this.buffer[0] = 0x7b; // {
  }

  /** Adds `"id":value`, given as JSON. */
  append(member: string): void {
    const separator = this.length > this.start + 1 ? 1 : 0;
    const bytes = Buffer.byteLength(member);
    if (this.length + separator + bytes > this.buffer.length) this.move(this.start, separator + bytes);
    if (separator) this.buffer[this.length] = 0x2c; // ,
    this.length += separator;
    this.length += this.buffer.write(member, this.length);
  }

  /** The object so far without its closing brace, which the writer of the whole input adds. */
  open(): Buffer {
    return this.buffer.subarray(this.start, this.length);
  }

  /**
   * `head`, the object closed, then `tail`, as one buffer written in place around the object: a step's
   * whole request body without copying the outputs into it (at depth 250 of a chain, 10 KB a step).
   * The bytes around the object are scratch: the view is good until the next `append` or `framed`,
   * so send it first. The executor does: a chain's next output is appended once its step's exchange
   * is over. `open()` views are not touched.
   */
  framed(head: string, tail: string): Buffer {
    const headBytes = Buffer.byteLength(head);
    const tailBytes = 1 + Buffer.byteLength(tail);
    if (headBytes > this.start || this.length + tailBytes > this.buffer.length) this.move(headBytes, tailBytes);
    const from = this.start - headBytes;
    this.buffer.write(head, from);
    this.buffer[this.length] = 0x7d; // }
    this.buffer.write(tail, this.length + 1);
    return this.buffer.subarray(from, this.length + tailBytes);
  }

  /** Into a new buffer with `headroom` bytes before the object and room for `more` after it, growing by doubling. */
  private move(headroom: number, more: number): void {
    const size = this.length - this.start;
    const grown = Buffer.allocUnsafe(Math.max(headroom + size + more, 2 * this.buffer.length));
    this.buffer.copy(grown, headroom, this.start, this.length);
    this.buffer = grown;
    this.start = headroom;
    this.length = headroom + size;
  }
}
