import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';
import { StackClient } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

type Family = { name: string; type: string; metrics: { value?: string; count?: string; labels?: Record<string, string> }[] };

/** One figure of the scrape: a counter's value or a histogram's count, for the series whose labels include `labels`. */
function figure(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((candidate) => candidate.name === name);
  if (!family) return 0;
  return family.metrics
    .filter((metric) => Object.entries(labels).every(([key, value]) => metric.labels?.[key] === value))
    .reduce((sum, metric) => sum + Number(metric.value ?? metric.count ?? 0), 0);
}

describe('GET /metrics on the local stack', () => {
  let stack: LocalStack;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let client: StackClient;

  /**
   * The scrape, parsed twice: as it is (types; the parser throws on a malformed line), and with
   * histograms read as untyped, because the parser merges a histogram's label sets into one; then
   * each `<name>_count` series is its own family with its labels.
   */
  const scrape = async (): Promise<Family[]> => {
    const response = await fetch(`${stack.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const typed = parsePrometheusTextFormat(text) as Family[];
    const series = parsePrometheusTextFormat(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')) as Family[];
    return [...typed.filter((family) => family.type !== 'HISTOGRAM'), ...series.filter((family) => family.name.endsWith('_count')), ...typed.filter((family) => family.type === 'HISTOGRAM').map((family) => ({ ...family, metrics: [] }))];
  };

  beforeAll(async () => {
    steps = await startStepServer();
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', EVENT_KEYS: 'test-key', STEPSTACK_NAMESPACE: `metrics-${process.pid}` });
    stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
    client = new StackClient(stack.url);
  });

  afterAll(async () => {
    await stack?.stop();
    await steps?.close();
  });

  it('counts events, runs started and ended by status, steps by outcome, step durations and queue waits as runs run', async () => {
    // Prepare
    const http = (step: string): Record<string, unknown> => ({ type: 'http', url: `${steps.url}/${step}` });
    await client.putFunction({ id: 'metered', name: 'm', triggers: [{ event: 'test/metered' }], retries: { attempts: 0 }, steps: { a: { runtime: http('a'), after: [{ step: '$trigger' }] }, b: { runtime: http('b'), after: [{ step: 'a' }] } } });
    await client.putFunction({ id: 'metered-bad', name: 'm', triggers: [{ event: 'test/metered-bad' }], retries: { attempts: 0 }, steps: { a: { runtime: http('bad'), after: [{ step: '$trigger' }] } } });
    steps.behave('bad', () => ({ status: 400 }));
    const before = await scrape();
    // Act
    const [good] = await client.sendOk([{ name: 'test/metered', data: {} }]);
    const [bad] = await client.sendOk([{ name: 'test/metered-bad', data: {} }]);
    await client.waitForRun(good!);
    await client.waitForRun(bad!);
    const after = await scrape();
    // Assess
    const moved = (name: string, labels?: Record<string, string>): number => figure(after, name, labels) - figure(before, name, labels);
    expect(moved('stepstack_events_accepted_total')).toBe(2);
    expect(moved('stepstack_runs_started_total', { function_id: 'metered' })).toBe(1);
    expect(moved('stepstack_runs_ended_total', { function_id: 'metered', status: 'Completed' })).toBe(1);
    expect(moved('stepstack_runs_ended_total', { function_id: 'metered-bad', status: 'Failed' })).toBe(1);
    expect(moved('stepstack_steps_total', { function_id: 'metered', outcome: 'completed' })).toBe(2);
    expect(moved('stepstack_steps_total', { function_id: 'metered-bad', outcome: 'failed' })).toBe(1);
    expect(moved('stepstack_step_duration_seconds_count', { runtime: 'http' })).toBe(3);
    expect(moved('stepstack_queue_wait_seconds_count', { kind: 'step' })).toBeGreaterThanOrEqual(2);
    expect(after.find((family) => family.name === 'stepstack_step_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(after.find((family) => family.name === 'stepstack_steps_in_flight')?.type).toBe('GAUGE');
  });
});
