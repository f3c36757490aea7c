import { StackClient } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';
import { startStepServer } from '../support/step-server';

/**
 * Hostile input against `npm start`'s process (in-memory defaults), as issue 9 found it: huge or
 * deep function registrations, expensive CEL on big events, and step outputs nested too deep. While
 * each runs, a prober asks `/health` every 20 ms (10 times at least); every answer must come within 1 s (the stack's
 * event loop is never held), and the process's memory stays bounded.
 */
const HEALTH_WITHIN_MS = 1000;
const PEAK_RSS_MIB = 600;

/** Probes gathered at least, so that the stack's work after the hostile request's answer is watched too. */
const MIN_PROBES = 10;

/** Asks `/health` until stopped (after at least MIN_PROBES); resolves with the slowest answer's time and the failures. */
function probeHealth(url: string): { stop(): Promise<{ slowestMs: number; answers: number; failures: string[] }> } {
  let running = true;
  const failures: string[] = [];
  let slowestMs = 0;
  let answers = 0;
  const loop = (async () => {
    while (running || answers < MIN_PROBES) {
      const started = performance.now();
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_WITHIN_MS * 5) });
        if (!response.ok) failures.push(`HTTP ${response.status}`);
        await response.arrayBuffer();
      } catch (error) {
        failures.push(String(error));
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      answers += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { slowestMs, answers, failures };
    },
  };
}

describe('hostile input against the local stack', () => {
  let stack: StackProcess;
  let client: StackClient;
  let steps: Awaited<ReturnType<typeof startStepServer>>;

  beforeAll(async () => {
    steps = await startStepServer();
    stack = await StackProcess.create({ FUNCTIONS_DIR: '/nonexistent', RETRY_BASE: '100ms', RETRY_MAX: '200ms' });
    await stack.start();
    client = new StackClient(stack.url);
  }, 30_000);

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
  });

  /** Runs `act` with the prober on; asserts the stack stayed responsive and its memory bounded. */
  async function staysResponsive<T>(act: () => Promise<T>): Promise<T> {
    const prober = probeHealth(stack.url);
    const result = await act();
    const health = await prober.stop();
    expect(health.failures).toEqual([]);
    expect(health.answers).toBeGreaterThanOrEqual(MIN_PROBES);
    expect(health.slowestMs).toBeLessThan(HEALTH_WITHIN_MS);
    expect(stack.peakRssMiB()).toBeLessThan(PEAK_RSS_MIB);
    return result;
  }

  const http = (step: string) => ({ type: 'http', url: `${steps.url}/${step}` });

  it('answers an 80 KB registration of 40,000-character ids with a short 400 naming the limit', async () => {
    // Prepare
    const long = 'x'.repeat(40_000);
    const body = { triggers: [{ event: 'hostile/ids' }], steps: { [long]: { runtime: http('a'), after: [{ step: `${long}y` }] } } };
    // Act
    const answer = await staysResponsive(() => client.api('PUT', '/v1/functions/long-ids', body));
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('step id of 40000 characters is over the limit of 128 (FUNCTION_LIMITS.idLength)');
    expect(JSON.stringify(answer.body).length).toBeLessThan(4000);
  });

  it('answers 2,000 edges to missing steps with at most 20 problems', async () => {
    // Prepare
    const fans = Object.fromEntries(Array.from({ length: 20 }, (_, step) => [`fan${step}`, {
      runtime: http('fan'), after: Array.from({ length: 100 }, (_, edge) => ({ step: `missing-${step}-${edge}` })),
    }]));
    const body = { triggers: [{ event: 'hostile/edges' }], steps: { a: { runtime: http('a'), after: [{ step: '$trigger' }] }, ...fans } };
    // Act
    const answer = await staysResponsive(() => client.api('PUT', '/v1/functions/many-edges', body));
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('and 1980 more problems (only the first 20 are listed)');
    expect(JSON.stringify(answer.body).length).toBeLessThan(20_000);
  });

  it('answers a 6,000-step chain with a 400 naming the step limit, not a 500', async () => {
    // Prepare: short Docker runtimes keep the body under the 512 KiB request limit.
    const chain = Object.fromEntries(Array.from({ length: 6000 }, (_, index) => [`s${index}`, {
      runtime: { type: 'docker', image: 'a' }, after: [{ step: index === 0 ? '$trigger' : `s${index - 1}` }],
    }]));
    // Act
    const answer = await staysResponsive(() => client.api('PUT', '/v1/functions/long-chain', { triggers: [{ event: 'hostile/chain' }], steps: chain }));
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('6000 steps is over the limit of 1000 per function (FUNCTION_LIMITS.steps)');
  });

  it('refuses a step id __proto__ at registration', async () => {
    // Prepare: written as JSON text so that __proto__ is an ordinary key.
    const raw = `{"triggers":[{"event":"hostile/proto"}],"steps":{"__proto__":{"runtime":{"type":"http","url":"${steps.url}/p"},"after":[{"step":"$trigger"}]}}}`;
    // Act
    const response = await fetch(`${stack.url}/v1/functions/proto`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: raw });
    const answer = await response.json() as { error: string };
    // Assess
    expect(response.status).toBe(400);
    expect(answer.error).toContain('steps.__proto__: step id "__proto__" is a reserved name');
  });

  it('refuses a trigger of nested comprehensions at registration', async () => {
    // Act
    const answer = await client.api('PUT', '/v1/functions/nested', {
      triggers: [{ event: 'hostile/nested', expression: 'event.data.a.exists(x, event.data.a.exists(y, x != y))' }],
      steps: { a: { runtime: http('a'), after: [{ step: '$trigger' }] } },
    });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.error).toContain('triggers[0].expression: nested comprehensions');
  });

  it('counts a quadratic filter over a 256 KiB event as false, logs it with the function, and stays responsive', async () => {
    // Prepare: 40,000 ids, each looked up in the whole list (1.6 billion comparisons without a budget).
    await client.putFunction({
      id: 'quadratic',
      triggers: [{ event: 'hostile/quadratic', expression: 'event.data.ids.filter(x, x in event.data.ids).size() > 0' }],
      steps: { a: { runtime: http('quadratic-a'), after: [{ step: '$trigger' }] } },
    });
    const ids = Array.from({ length: 40_000 }, (_, index) => index);
    // Act: five such events at once.
    const bigEvents = await staysResponsive(async () => {
      const sent = await Promise.all(Array.from({ length: 5 }, () => client.sendOk({ name: 'hostile/quadratic', data: { ids } })));
      await waitFor(() => stack.logTail().split('function quadratic triggers[0].expression').length > 5);
      return sent.flat();
    });
    const [smallEvent] = await client.sendOk({ name: 'hostile/quadratic', data: { ids: [1, 2, 3] } });
    const smallRun = await client.waitForRun(smallEvent!);
    // Assess: the over-budget evaluation was logged before the verdict on its event, so no run can follow.
    expect(stack.logTail()).toContain('expression over its cost budget: counted as false');
    for (const id of bigEvents) expect(await client.runsFor(id)).toEqual([]);
    expect(smallRun.status).toBe('Completed');
  });

  it('fails a step whose output nests 20,000 deep for good, naming the cap, and never runs its child', async () => {
    // Prepare
    steps.behave('deep-a', () => ({ raw: `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}` }));
    await client.putFunction({
      id: 'deep-output',
      triggers: [{ event: 'hostile/deep' }],
      steps: { a: { runtime: http('deep-a'), after: [{ step: '$trigger' }] }, b: { runtime: http('deep-b'), after: [{ step: 'a' }] } },
    });
    // Act
    const [eventId] = await client.sendOk({ name: 'hostile/deep', data: {} });
    const run = await client.waitForRun(eventId!);
    // Assess
    expect(run.status).toBe('Failed');
    expect(run.steps.a).toMatchObject({ status: 'Failed', attempts: 1 });
    expect(run.steps.a.error).toContain('nests deeper than 64 levels, the cap for step outputs');
    expect(steps.count('deep-a')).toBe(1);
    expect(steps.count('deep-b')).toBe(0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
