import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';
import { launchBrowser } from '../support/browser';
import { StackClient } from '../support/stack-client';
import { startStepServer } from '../support/step-server';

const API_KEY = 'browser-key-0123456789';
/** Screenshots of each page, saved by every run (gitignored). */
const SHOTS = path.join(__dirname, '..', '..', '.tmp', 'screenshots');

/** The dashboard in headless Chromium against a real local stack (SPEC section 8). */
describe('dashboard in a browser', () => {
  let stack: LocalStack;
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let events: StackClient;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;
  let flakyFixed = false;
  /** Every URL the browser asked for: the stack's own, nothing from the internet. */
  const requested: string[] = [];

  const core = async (method: string, route: string, body?: unknown): Promise<any> => {
    const response = await fetch(`${stack.url}${route}`, {
      method, headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return response.json();
  };
  const runOf = async (name: string, data: Record<string, unknown> = {}): Promise<string> => {
    const [eventId] = await events.sendOk({ name, data });
    for (let tries = 0; tries < 400; tries += 1) {
      const runs = (await core('GET', `/v1/events/${eventId}/runs`)).data as { run_id: string }[];
      if (runs[0]) return runs[0].run_id;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no run for ${name}`);
  };
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    steps = await startStepServer();
    steps.behave('flaky-b', () => (flakyFixed ? { body: { fixed: true } } : { status: 400, body: { error: 'bug in b' } }));
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', API_KEY, EVENT_KEYS: 'ev-key', STEPSTACK_NAMESPACE: `browser-${process.pid}` });
    stack = await startLocalStack(config, { logger: silentLogger, leaseMs: 2_000 });
    events = new StackClient(stack.url, 'ev-key');
    const http = (step: string): Record<string, unknown> => ({ type: 'http', url: `${steps.url}/${step}` });
    await core('PUT', '/v1/functions/greet', {
      name: 'Greet', triggers: [{ event: 'app/greet' }], retries: { attempts: 0 },
      steps: { fetch: { runtime: http('greet-fetch'), after: [{ step: '$trigger' }] }, send: { runtime: http('greet-send'), after: [{ step: 'fetch', if: 'event.data.n >= 0' }] }, audit: { runtime: http('greet-audit'), after: [{ step: 'fetch' }] } },
    });
    await core('PUT', '/v1/functions/slow', { name: 'Slow', triggers: [{ event: 'app/slow' }], steps: { later: { runtime: http('slow-later'), after: [{ step: '$trigger', wait: '1h' }] } } });
    await core('PUT', '/v1/functions/flaky', {
      name: 'Flaky', triggers: [{ event: 'app/flaky' }], retries: { attempts: 0 },
      steps: { a: { runtime: http('flaky-a'), after: [{ step: '$trigger' }] }, b: { runtime: http('flaky-b'), after: [{ step: 'a' }] }, c: { runtime: http('flaky-c'), after: [{ step: 'b' }] } },
    });
    browser = await launchBrowser();
    context = browser.context;
    context.on('request', (request) => requested.push(request.url()));
    page = await context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await steps?.close();
  });

  it('refuses a wrong key and logs in with the right one', async () => {
    // Act
    await page.goto(`${stack.url}/`);
    await page.getByTestId('login').waitFor();
    await shot('login');
    await page.getByTestId('login-key').fill('wrong-key');
    await page.getByTestId('login-button').click();
    const error = await page.getByTestId('login-error').textContent();
    const cookiesAfterWrong = await context.cookies();
    await page.getByTestId('login-key').fill(API_KEY);
    await page.getByTestId('login-button').click();
    await page.getByTestId('runs-table').waitFor();
    // Assess
    expect(error).toMatch(/not this stage's API key/);
    expect(cookiesAfterWrong.filter((cookie) => cookie.name === 'stepstack_session')).toEqual([]);
    const [session] = (await context.cookies()).filter((cookie) => cookie.name === 'stepstack_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
  });

  it('shows a run started by an event in the list without a reload', async () => {
    // Prepare
    await page.goto(`${stack.url}/#/runs`);
    await page.getByTestId('runs-table').waitFor();
    const loads: string[] = [];
    page.on('load', () => loads.push(page.url()));
    // Act
    const runId = await runOf('app/greet', { n: 1 });
    const row = page.locator(`tr[data-run="${runId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.locator('.badge', { hasText: 'Completed' }).waitFor({ timeout: 10_000 });
    await shot('runs');
    // Assess
    expect(loads).toEqual([]);
    expect(await row.textContent()).toContain('greet');
  });

  it('opens a run: the graph, every step with its status, output and attempts, and the attempt timeline', async () => {
    // Prepare
    const runId = await runOf('app/greet', { n: 2 });
    await page.goto(`${stack.url}/#/runs`);
    // Act
    await page.locator(`tr[data-run="${runId}"] a`).first().click();
    await page.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 10_000 });
    await page.locator('.timeline .lane').nth(2).waitFor();
    await page.getByTestId('step-graph').waitFor();
    await shot('run');
    // Assess
    for (const step of ['fetch', 'send', 'audit']) {
      const row = page.locator(`[data-testid="steps-table"] tr[data-step="${step}"]`);
      expect(await row.locator('.badge').textContent()).toBe('Completed');
      expect(await row.locator('td').nth(2).textContent()).toBe('1');
      expect(await page.getByTestId(`output-${step}`).textContent()).toContain(`greet-${step}`);
    }
    expect(await page.locator('.timeline .lane').count()).toBe(3);
    expect(await page.locator('[data-testid="step-graph"] g.node').count()).toBe(4);
  });

  it('cancels a waiting run from its page', async () => {
    // Prepare
    const runId = await runOf('app/slow');
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await page.getByTestId('run-status').filter({ hasText: 'Running' }).waitFor();
    // Act
    await page.getByTestId('cancel').click();
    await page.getByTestId('run-status').filter({ hasText: 'Cancelled' }).waitFor({ timeout: 10_000 });
    // Assess
    expect((await core('GET', `/v1/runs/${runId}`)).data.status).toBe('Cancelled');
    expect(await page.getByTestId('run-reason').textContent()).toMatch(/cancelled through the API/);
  });

  it('reruns a failed run from the failed step: the steps before it kept, the rest run', async () => {
    // Prepare
    const runId = await runOf('app/flaky');
    await page.goto(`${stack.url}/#/runs/${runId}`);
    await page.getByTestId('run-status').filter({ hasText: 'Failed' }).waitFor({ timeout: 10_000 });
    await shot('run-failed');
    flakyFixed = true;
    // Act
    await page.getByTestId('rerun-step').selectOption('b');
    await page.getByTestId('rerun-from').click();
    await page.waitForFunction(`!window.location.hash.endsWith(${JSON.stringify(runId)})`);
    await page.getByTestId('run-status').filter({ hasText: 'Completed' }).waitFor({ timeout: 10_000 });
    await shot('run-rerun');
    // Assess
    const rerunId = await page.getByTestId('run-id').textContent();
    const rerun = (await core('GET', `/v1/runs/${rerunId}`)).data;
    expect(rerun).toMatchObject({ rerun_of: runId, status: 'Completed', steps: { a: { attempts: 0 }, b: { attempts: 1 }, c: { attempts: 1 } } });
    expect(steps.count('flaky-a', rerunId!)).toBe(0);
    expect(await page.locator('[data-testid="steps-table"] tr[data-step="a"] .tag').textContent()).toBe('kept');
  });

  it('sends a test event from the events page and shows it with the run it started', async () => {
    // Prepare
    await page.goto(`${stack.url}/#/events`);
    await page.getByTestId('send-event').waitFor();
    // Act
    await page.getByTestId('send-name').fill('app/greet');
    await page.getByTestId('send-data').fill('{"n": 7, "from": "dashboard"}');
    await page.getByTestId('send-button').click();
    const result = await page.getByTestId('send-result').textContent();
    const eventId = /sent (\S+)/.exec(result ?? '')?.[1];
    await page.locator(`tr[data-event="${eventId}"]`).waitFor({ timeout: 10_000 });
    await page.getByTestId('event-detail').locator('a').first().waitFor({ timeout: 10_000 });
    await shot('events');
    // Assess
    expect(eventId).toBeDefined();
    expect(await page.getByTestId('event-detail').locator('pre').textContent()).toContain('"from": "dashboard"');
    const runs = (await core('GET', `/v1/events/${eventId}/runs`)).data;
    expect(runs).toHaveLength(1);
    expect(await page.getByTestId('event-detail').textContent()).toContain(runs[0].run_id);
  });

  it('draws each function\'s graph and lists the apps page', async () => {
    // Act
    await page.goto(`${stack.url}/#/functions`);
    await page.locator('article[data-function="greet"] [data-testid="step-graph"]').waitFor();
    await shot('functions');
    const functions = await page.locator('article[data-function]').count();
    const greetNodes = await page.locator('article[data-function="greet"] g.node').count();
    await page.goto(`${stack.url}/#/apps`);
    await page.getByTestId('apps-table').waitFor();
    const empty = await page.locator('.empty').textContent();
    await shot('apps');
    // Assess
    expect(functions).toBe(3);
    expect(greetNodes).toBe(4);
    expect(empty).toMatch(/No SDK apps registered/);
  });

  it('logs out, and is refused afterwards', async () => {
    // Prepare
    await page.goto(`${stack.url}/#/runs`);
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'stepstack_session')!;
    // Act
    await page.getByTestId('logout').click();
    await page.getByTestId('login').waitFor();
    await page.reload();
    await page.getByTestId('login').waitFor();
    const replay = await fetch(`${stack.url}/v1/runs`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    const fromPage = await page.evaluate(async () => (await fetch('/v1/runs')).status);
    // Assess
    expect(replay.status).toBe(401);
    expect(fromPage).toBe(401);
    expect(requested.length).toBeGreaterThan(20);
    expect(requested.filter((url) => !url.startsWith(`${stack.url}/`))).toEqual([]);
  });
});
