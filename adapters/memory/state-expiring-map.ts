/** A Map whose entries end at a time (ms); expired entries read as absent and are dropped on the way. */
export class ExpiringMap<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();

  /** Entries held, expired ones included until read or swept. */
  get size(): number {
    return this.entries.size;
  }

  get(key: K, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: K, value: V, expiresAt: number): void {
    this.entries.set(key, { value, expiresAt });
  }

  /** Move the end of a live entry; false when there is none. */
  touch(key: K, expiresAt: number, now: number): boolean {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) return false;
    entry.expiresAt = expiresAt;
    return true;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Drop every expired entry, so that entries nobody reads again do not pile up. */
  sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
