import type { Clock } from '../../core/ports/clock';
import type { SessionStore } from '../../core/ports/sessions';

/** Sessions in memory (the local stack without Redis): lost on restart, as the rest of its state. */
export function createMemorySessionStore(clock: Clock): SessionStore {
  const sessions = new Map<string, number>();
  return {
    async startSession(id, ttlMs) {
      const now = clock.now();
      for (const [known, until] of sessions) if (until <= now) sessions.delete(known);
      sessions.set(id, now + ttlMs);
    },
    async isLive(id) {
      return (sessions.get(id) ?? 0) > clock.now();
    },
    async endSession(id) {
      sessions.delete(id);
    },
    async close() {},
  };
}
