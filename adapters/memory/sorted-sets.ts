import type { HistoryPosition } from '../../core/ports/history';

/** Named sets of (time, id), each kept sorted ascending; read newest first, as Redis sorted sets read with REV. */
export class SortedSets {
  private readonly sets = new Map<string, HistoryPosition[]>();

  add(key: string, at: number, id: string): void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = []));
    const index = lowerBound(set, at, id);
    const found = set[index];
    if (found && found.at === at && found.id === id) return;
    set.splice(index, 0, { at, id });
  }

  remove(key: string, at: number, id: string): void {
    const set = this.sets.get(key);
    if (!set) return;
    const index = lowerBound(set, at, id);
    const found = set[index];
    if (found && found.at === at && found.id === id) set.splice(index, 1);
    if (set.length === 0) this.sets.delete(key);
  }

  /** Drop every member older than `before` (ms) from one set. */
  trim(key: string, before: number): void {
    const set = this.sets.get(key);
    if (!set) return;
    const cut = lowerBound(set, before, '');
    if (cut > 0) set.splice(0, cut);
  }

  /** Up to `limit` members, newest first, within [from, to] and strictly older than `after`. */
  page(key: string, options: { from?: number; to?: number; after?: HistoryPosition; limit: number }): HistoryPosition[] {
    const set = this.sets.get(key) ?? [];
    const to = options.to ?? Number.POSITIVE_INFINITY;
    const from = options.from ?? Number.NEGATIVE_INFINITY;
    // The first member past the upper bound: `to` inclusive, `after` exclusive.
    let end = upperBound(set, to);
    if (options.after) end = Math.min(end, lowerBound(set, options.after.at, options.after.id));
    const out: HistoryPosition[] = [];
    for (let index = end - 1; index >= 0 && out.length < options.limit; index -= 1) {
      const member = set[index]!;
      if (member.at < from) break;
      out.push(member);
    }
    return out;
  }
}

const before = (member: HistoryPosition, at: number, id: string): boolean => member.at < at || (member.at === at && member.id < id);

/** The index of the first member not before (at, id). */
function lowerBound(set: HistoryPosition[], at: number, id: string): number {
  let low = 0;
  let high = set.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(set[middle]!, at, id)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The index of the first member later than `at`. */
function upperBound(set: HistoryPosition[], at: number): number {
  let low = 0;
  let high = set.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (set[middle]!.at <= at) low = middle + 1;
    else high = middle;
  }
  return low;
}
