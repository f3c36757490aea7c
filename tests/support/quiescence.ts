/**
 * Wait until `idle()` has held without a break for `stableMs` (nothing in hand, every worker waiting
 * on an empty queue): the proof that nothing else is going to happen, instead of a fixed sleep.
 */
export async function waitForQuiescence(idle: () => boolean, options: { stableMs?: number; timeoutMs?: number } = {}): Promise<void> {
  const stableMs = options.stableMs ?? 250;
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let idleSince: number | undefined;
  for (;;) {
    const now = Date.now();
    if (idle()) {
      idleSince ??= now;
      if (now - idleSince >= stableMs) return;
    } else {
      idleSince = undefined;
    }
    if (now > deadline) throw new Error(`the stack did not become quiescent within ${options.timeoutMs ?? 15_000} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
