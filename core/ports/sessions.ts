/**
 * Dashboard sessions (SPEC section 8): a login with the API key starts one, logout ends it. Kept
 * server-side, so that logout ends a session for good (a copied cookie is refused after it too).
 * Ids given here are digests of the cookie's secret, never the secret itself.
 */
export interface SessionStore {
  /** Keep a session live for `ttlMs`. */
  startSession(id: string, ttlMs: number): Promise<void>;
  /** Whether a session is live (started, not ended, not expired). */
  isLive(id: string): Promise<boolean>;
  /** End a session (a no-op when it is not live). */
  endSession(id: string): Promise<void>;
  close(): Promise<void>;
}
