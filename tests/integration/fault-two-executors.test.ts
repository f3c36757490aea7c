import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessEnv } from '../support/harness-env';
import { StackClient, sleep } from '../support/stack-client';
import { StackProcess } from '../support/stack-process';
import { startStepServer } from '../support/step-server';

const STEP_MS = 7_000;
const RUNS_EACH = 3;

/**
 * Two stacks (runner, executor and dead-letter consumer each) on one Redis and one SQS queue, steps
 * seven lease intervals long, one stack SIGKILLed while it runs steps (issue 7): every run completes,
 * none is failed by the dead-letter path, and a step ran twice only when its first try was the one
 * the kill cut off (its output was never saved).
 */
describe('two executors on one queue, one killed mid-step', () => {
  let steps: Awaited<ReturnType<typeof startStepServer>>;
  let functionsDir: string;
  let doomed: StackProcess;
  let survivor: StackProcess;

  beforeAll(async () => {
    steps = await startStepServer();
    steps.behave('long', () => ({ delayMs: STEP_MS }));
    functionsDir = mkdtempSync(join(tmpdir(), 'stepstack-two-'));
    writeFileSync(join(functionsDir, 'long.json'), JSON.stringify({
      id: 'long-steps',
      triggers: [{ event: 'test/long' }],
      steps: {
        long: { runtime: { type: 'http', url: `${steps.url}/long` }, after: [{ step: '$trigger' }] },
        after: { runtime: { type: 'http', url: `${steps.url}/after` }, after: [{ step: 'long' }] },
      },
    }));
    const env = {
      REDIS_URL: harnessEnv('STEPSTACK_TEST_REDIS_URL'), SQS_ENDPOINT: harnessEnv('STEPSTACK_TEST_SQS_ENDPOINT'), FUNCTIONS_DIR: functionsDir,
      STEPSTACK_NAMESPACE: `two-${process.pid}-${Date.now()}`, STEP_LEASE: '1s', RETRY_BASE: '200ms',
    };
    // The doomed stack takes just the first runs' steps: the later ones must run on the survivor, alongside.
    doomed = await StackProcess.create({ ...env, CONCURRENCY: String(RUNS_EACH) });
    survivor = await StackProcess.create(env);
  });

  afterAll(async () => {
    await doomed?.stop();
    await survivor?.stop();
    await steps?.close();
    if (functionsDir) rmSync(functionsDir, { recursive: true, force: true });
  });

  it('completes every run, fails none, and repeats only the steps the kill cut off', async () => {
    // Prepare: the first runs' steps can only be on the doomed stack (the other is not up yet).
    await doomed.start();
    const first = await new StackClient(doomed.url).sendOk(Array.from({ length: RUNS_EACH }, (_, i) => ({ name: 'test/long', data: { i } })));
    const deadline = Date.now() + 15_000;
    while (steps.count('long') < RUNS_EACH && Date.now() < deadline) await sleep(20);
    await survivor.start();
    const client = new StackClient(survivor.url);
    const second = await client.sendOk(Array.from({ length: RUNS_EACH }, (_, i) => ({ name: 'test/long', data: { i: RUNS_EACH + i } })));
    while (steps.count('long') < 2 * RUNS_EACH && Date.now() < deadline) await sleep(20);
    // Act
    await doomed.kill();
    const runs = await Promise.all([...first, ...second].map((id) => client.waitForRun(id, undefined, 40_000)));
    // Assess
    expect(runs.map((run) => run.status)).toEqual(runs.map(() => 'Completed'));
    expect(runs.filter((run) => run.reason !== null)).toEqual([]);
    for (const run of runs) {
      const cutOff = steps.aborts.filter((call) => call.step === 'long' && call.input.ctx.run_id === run.run_id).length;
      expect({ run: run.run_id, long: steps.count('long', run.run_id) - cutOff, after: steps.count('after', run.run_id) })
        .toEqual({ run: run.run_id, long: 1, after: 1 });
      expect(cutOff).toBeLessThanOrEqual(1);
    }
    // The kill cut off the steps of the first runs, and those of the others ran on, on the survivor.
    expect(new Set(steps.aborts.map((call) => call.input.ctx.run_id))).toEqual(new Set(runs.slice(0, RUNS_EACH).map((run) => run.run_id)));
  }, 60_000);
});
