/** Talks to a running stack over HTTP, as a user would. */
export class StackClient {
  constructor(readonly url: string, readonly eventKey = 'test-key') {}

  async send(body: unknown, options: { key?: string; raw?: string } = {}): Promise<{ status: number; body: { ids?: string[]; error?: string; status?: number } }> {
    const response = await fetch(`${this.url}/e/${options.key ?? this.eventKey}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: options.raw ?? JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { ids?: string[]; error?: string } };
  }

  /** Send events and return their ids, failing loudly when the stack refuses them. */
  async sendOk(body: unknown): Promise<string[]> {
    const { status, body: answer } = await this.send(body);
    if (status !== 200 || !answer.ids) throw new Error(`send failed: ${status} ${JSON.stringify(answer)}`);
    return answer.ids;
  }

  async api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: response.status, body: await response.json() };
  }

  async putFunction(definition: { id: string } & Record<string, unknown>): Promise<void> {
    const { status, body } = await this.api('PUT', `/v1/functions/${definition.id}`, definition);
    if (status !== 200) throw new Error(`PUT function failed: ${status} ${JSON.stringify(body)}`);
  }

  async runsFor(eventId: string): Promise<any[]> {
    return (await this.api('GET', `/v1/events/${eventId}/runs`)).body.data as any[];
  }

  /** Poll until the event has `count` runs that all satisfy `done` (by default: ended). */
  async waitForRuns(eventId: string, options: { count?: number; timeoutMs?: number; done?: (run: any) => boolean } = {}): Promise<any[]> {
    const { count = 1, timeoutMs = 15_000, done = (run) => run.status !== 'Running' } = options;
    const deadline = Date.now() + timeoutMs;
    let runs: any[] = [];
    while (Date.now() < deadline) {
      runs = await this.runsFor(eventId);
      if (runs.length >= count && runs.every(done)) return runs;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`event ${eventId}: waited ${timeoutMs} ms for ${count} run(s); have ${JSON.stringify(runs, null, 1)}`);
  }

  async waitForRun(eventId: string, done?: (run: any) => boolean, timeoutMs?: number): Promise<any> {
    const [run] = await this.waitForRuns(eventId, { ...(done ? { done } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
    return run;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
