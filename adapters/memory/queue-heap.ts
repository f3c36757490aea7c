/** A binary min-heap ordered by `at`: O(log n) push and pop, for the memory queue's timed entries. */
export class TimeHeap<V> {
  private readonly items: { at: number; value: V }[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The earliest time held, or undefined when empty. */
  peekAt(): number | undefined {
    return this.items[0]?.at;
  }

  push(at: number, value: V): void {
    const items = this.items;
    items.push({ at, value });
    let index = items.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (items[parent]!.at <= items[index]!.at) break;
      [items[parent], items[index]] = [items[index]!, items[parent]!];
      index = parent;
    }
  }

  pop(): V | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top?.value;
    items[0] = last;
    this.siftDown(0);
    return top.value;
  }

  /** Drop the entries that fail `keep`, then restore heap order: O(n). */
  retain(keep: (value: V) => boolean): void {
    const kept = this.items.filter((item) => keep(item.value));
    this.items.length = 0;
    for (const item of kept) this.items.push(item);
    for (let index = (this.items.length >> 1) - 1; index >= 0; index -= 1) this.siftDown(index);
  }

  clear(): void {
    this.items.length = 0;
  }

  private siftDown(start: number): void {
    const items = this.items;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < items.length && items[left]!.at < items[smallest]!.at) smallest = left;
      if (right < items.length && items[right]!.at < items[smallest]!.at) smallest = right;
      if (smallest === index) return;
      [items[smallest], items[index]] = [items[index]!, items[smallest]!];
      index = smallest;
    }
  }
}
