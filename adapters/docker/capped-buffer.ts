import { Writable } from 'node:stream';

/** Collects a stream up to `limit` bytes; keeps the first bytes (`head`) or the last ones (`tail`). */
export class CappedBuffer extends Writable {
  private chunks: Buffer[] = [];
  private kept = 0;
  /** Every byte written, kept or not. */
  total = 0;

  constructor(private readonly limit: number, private readonly keep: 'head' | 'tail', private readonly onOverflow?: () => void) {
    super();
  }

  get overflowed(): boolean {
    return this.total > this.limit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const wasOver = this.overflowed;
    this.total += chunk.length;
    if (this.keep === 'head') {
      const room = this.limit - this.kept;
      if (room > 0) this.append(chunk.subarray(0, room));
    } else {
      this.append(chunk);
      while (this.kept > this.limit && this.chunks.length > 0) this.dropFront(this.kept - this.limit);
    }
    if (!wasOver && this.overflowed) this.onOverflow?.();
    done();
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  private append(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.kept += chunk.length;
  }

  private dropFront(excess: number): void {
    const first = this.chunks[0] as Buffer;
    if (first.length <= excess) {
      this.chunks.shift();
      this.kept -= first.length;
    } else {
      this.chunks[0] = first.subarray(excess);
      this.kept -= excess;
    }
  }
}
