/**
 * One function (or one slow endpoint behind it) cannot take every slot of an executor: each function
 * may hold at most `limit` of them at once, so the rest keep moving while it hangs (issue 9).
 */
export class FairShare {
  /** Slots one function may hold. */
  readonly limit: number;
  private readonly held = new Map<string, number>();

  /** `share`: the fraction of `slots` one function may hold (0 < share <= 1); at least one slot. */
  constructor(slots: number, share: number) {
    if (!(slots >= 1) || !(share > 0 && share <= 1)) throw new Error(`fair share of ${share} of ${slots} slots is invalid: use 1 slot or more and a share in (0, 1]`);
    this.limit = Math.max(1, Math.floor(slots * share));
  }

  /** Take a slot for `functionId`; false when it holds its share already. */
  enter(functionId: string): boolean {
    const held = this.held.get(functionId) ?? 0;
    if (held >= this.limit) return false;
    this.held.set(functionId, held + 1);
    return true;
  }

  leave(functionId: string): void {
    const held = (this.held.get(functionId) ?? 0) - 1;
    if (held > 0) this.held.set(functionId, held);
    else this.held.delete(functionId);
  }

  /** Slots a function holds now. */
  holding(functionId: string): number {
    return this.held.get(functionId) ?? 0;
  }
}

/** How long a work item over its function's share waits before it comes back: doubling, up to 30 s. */
export function deferralDelayMs(deferrals: number): number {
  return Math.min(30_000, 250 * 2 ** Math.min(deferrals, 7));
}
