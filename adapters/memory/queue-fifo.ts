/** A first-in first-out list with amortized O(1) push and shift (an array with a moving head). */
export class Fifo<V> {
  private items: V[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(value: V): void {
    this.items.push(value);
  }

  shift(): V | undefined {
    if (this.head >= this.items.length) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined as V;
    this.head += 1;
    // Drop the consumed prefix once it is half the array, so memory stays bounded.
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
