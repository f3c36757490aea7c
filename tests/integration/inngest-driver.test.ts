import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInngestDriver } from '../../adapters/inngest-driver';
import type { SdkRequestBody } from '../../core/ports/sdk-driver';
import { hashStepId } from '../../core/sdk/ids';
import { type SdkApp, startSdkApp } from '../support/sdk-app';
import { SDK_SIGNING_KEY } from './sdk/scenarios';

const event = { name: 'test/driver', data: { n: 2 }, id: '01JDRIVER0000000000000000', ts: 1_700_000_000_000 };
const body = (steps: SdkRequestBody['steps'] = {}, attempt = 0): SdkRequestBody => ({
  event, events: [event], steps, ctx: { run_id: 'run-1', attempt, max_attempts: 2, stack: { stack: Object.keys(steps), current: Object.keys(steps).length } },
});

describe('inngest driver against a real SDK app (inngest/node)', () => {
  let app: SdkApp;
  let stepUrl: string;
  const ran: string[] = [];
  const driver = createInngestDriver({ signingKey: SDK_SIGNING_KEY });
  const call = (request: Partial<Parameters<typeof driver.call>[0]> = {}) => driver.call({
    url: stepUrl, stepId: null, body: body(), timeoutMs: 5_000, signal: new AbortController().signal, ...request,
  });

  beforeAll(async () => {
    app = await startSdkApp({
      id: 'drv', stackUrl: 'http://127.0.0.1:9', signingKey: SDK_SIGNING_KEY,
      functions: (inngest) => [
        inngest.createFunction({ id: 'fn', retries: 1, triggers: [{ event: 'test/driver' }] }, async ({ event: trigger, step }) => {
          const a = await step.run('a', () => { ran.push('a'); return (trigger.data as { n: number }).n * 10; });
          await Promise.all([step.run('p', () => 'p'), step.sleep('s', '5s')]);
          return a;
        }),
        inngest.createFunction({ id: 'bad', retries: 1, triggers: [{ event: 'test/driver' }] }, async ({ step }) => step.run('x', () => { throw new Error('nope'); })),
      ],
    });
    stepUrl = `${app.url}?fnId=drv-fn&stepId=step`;
  });
  afterAll(async () => {
    driver.close();
    await app.close();
  });

  it('signs the canonical body as the SDK checks it: the app runs the first step at once and answers StepRun', async () => {
    // Act
    const answer = await call();
    // Assess
    expect(answer).toEqual({ kind: 'ops', noRetry: false, ops: [expect.objectContaining({ op: 'StepRun', id: hashStepId('a'), data: 20, userland: { id: 'a' } })] });
    expect(ran).toEqual(['a']);
  });

  it('sends the memo keyed by hashed step id: a settled step is not run again, parallel steps come back planned', async () => {
    // Act
    const answer = await call({ body: body({ [hashStepId('a')]: { type: 'data', data: 20 } }) });
    // Assess
    expect(answer.kind).toBe('ops');
    const ops = answer.kind === 'ops' ? answer.ops.map((op) => ({ op: op.op, id: op.userland?.id, name: op.name })) : [];
    expect(ops).toEqual([{ op: 'StepPlanned', id: 'p', name: 'p' }, { op: 'Sleep', id: 's', name: '5s' }]);
    expect(ran).toEqual(['a']);
  });

  it('returns the function\'s result on 200, and its error as StepError then StepFailed at the last attempt', async () => {
    // Prepare
    const settled = { [hashStepId('a')]: { type: 'data' as const, data: 20 }, [hashStepId('p')]: { type: 'data' as const, data: 'p' }, [hashStepId('s')]: { type: 'data' as const, data: null } };
    const badUrl = `${app.url}?fnId=drv-bad&stepId=step`;
    // Act
    const result = await call({ body: body(settled) });
    const first = await call({ url: badUrl, stepId: hashStepId('x'), body: body({}, 0) });
    const last = await call({ url: badUrl, stepId: hashStepId('x'), body: body({}, 1) });
    // Assess
    expect(result).toEqual({ kind: 'result', data: 20 });
    expect(first).toMatchObject({ kind: 'ops', ops: [{ op: 'StepError', error: { message: 'nope' } }] });
    expect(last).toMatchObject({ kind: 'ops', ops: [{ op: 'StepFailed', error: { message: 'nope' } }] });
  });

  it('is refused by the SDK\'s own check when signed with another key', async () => {
    // Prepare
    const stranger = createInngestDriver({ signingKey: 'signkey-test-00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff' });
    // Act
    const answer = await stranger.call({ url: stepUrl, stepId: null, body: body(), timeoutMs: 5_000, signal: new AbortController().signal });
    stranger.close();
    // Assess
    expect(answer).toMatchObject({ kind: 'error', retryable: false });
    expect(ran).toEqual(['a']);
  });

  it('fails an attempt whose answer lacks X-Inngest-Sdk: not an SDK', async () => {
    // Prepare
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('"hello"'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Act
    const answer = await call({ url: `http://127.0.0.1:${port}/api/inngest?fnId=x&stepId=step` });
    await new Promise((resolve) => server.close(resolve));
    // Assess
    expect(answer).toMatchObject({ kind: 'error', error: { name: 'NotAnSdkError', message: expect.stringContaining('X-Inngest-Sdk') } });
  });
});
