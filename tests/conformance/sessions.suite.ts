import type { SessionStore } from '../../core/ports/sessions';

/** One behaviour for every adapter of the session port. */
export function describeSessionConformance(name: string, make: () => Promise<{ store: SessionStore; cleanup(): Promise<void> }>): void {
  describe(`session store conformance: ${name}`, () => {
    it('keeps a session live until it is ended, and only that one', async () => {
      // Prepare
      const { store, cleanup } = await make();
      try {
        await store.startSession('a', 60_000);
        await store.startSession('b', 60_000);
        // Act
        await store.endSession('a');
        await store.endSession('never-started');
        // Assess
        expect(await store.isLive('a')).toBe(false);
        expect(await store.isLive('b')).toBe(true);
        expect(await store.isLive('unknown')).toBe(false);
      } finally {
        await cleanup();
      }
    });

    it('lets a session expire after its time to live', async () => {
      // Prepare
      const { store, cleanup } = await make();
      try {
        await store.startSession('short', 30);
        // Act
        const deadline = Date.now() + 5_000;
        while ((await store.isLive('short')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        // Assess
        expect(await store.isLive('short')).toBe(false);
      } finally {
        await cleanup();
      }
    });
  });
}
