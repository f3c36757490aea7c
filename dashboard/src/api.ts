/** The core API from the dashboard's own origin: the session cookie goes along (same-origin), never a key in script. */
export class Unauthorized extends Error {}

export interface Page<T> {
  data: T[];
  metadata: { next_cursor: string | null };
}

export interface StepView {
  status: string;
  output?: unknown;
  attempts: number;
  error: string | null;
  errors: { attempt: number; message: string; at: string }[];
}

export interface Run {
  run_id: string;
  function_id: string;
  event_id: string;
  status: string;
  run_started_at: string;
  ended_at: string | null;
  output?: Record<string, unknown> | null;
  reason: string | null;
  rerun_of: string | null;
  steps: Record<string, StepView>;
}

export interface Attempt {
  step_id: string;
  attempt: number;
  outcome: string;
  error: string | null;
  started_at: string;
  ended_at: string;
  duration_ms: number;
}

export interface StepstackEvent {
  id: string;
  name: string;
  data: Record<string, unknown>;
  ts: number;
  [key: string]: unknown;
}

export interface Edge {
  step: string;
  if?: string;
  wait?: string;
  async?: { event: string; match?: string; ttl?: string };
}

export interface FunctionDefinition {
  id: string;
  name: string;
  triggers: ({ event: string; expression?: string } | { cron: string })[];
  steps: Record<string, { name?: string; runtime: { type: string; url?: string; image?: string }; after?: Edge[] }>;
  [key: string]: unknown;
}

let onUnauthorized: () => void = () => undefined;
export const whenUnauthorized = (handler: () => void): void => {
  onUnauthorized = handler;
};

/** Errors carry the API's own message (it names the field and the fix). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = (await response.json().catch(() => ({}))) as { error?: string };
  if (response.status === 401 && !path.startsWith('/auth/')) {
    onUnauthorized();
    throw new Unauthorized(answer.error ?? 'log in');
  }
  if (!response.ok) throw new Error(answer.error ?? `${method} ${path}: ${response.status}`);
  return answer as T;
}
