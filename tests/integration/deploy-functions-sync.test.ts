import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createRedisStateStore } from '../../adapters/redis';
import type { StateStore } from '../../core/ports/state';
import { copyProject, removeAll, ROOT, serverlessPackage } from '../support/serverless-package';

/**
 * functions/ deploys with the stack: the FunctionsSync custom resource's Lambda run by
 * `serverless invoke local` against local Redis, answering CloudFormation on a local response URL;
 * and `serverless package` refusing a functions/ that `npm start` would refuse.
 */
const run = promisify(execFile);
const redisUrl = (): string => {
  const value = process.env.STEPSTACK_TEST_REDIS_URL;
  if (!value) throw new Error('STEPSTACK_TEST_REDIS_URL is not set: run with --selectProjects integration');
  return value;
};

let workDir: string;
let responses: Server;
let responseUrl: string;
const answers: Record<string, unknown>[] = [];
const namespace = `sync-functions-${process.pid}`;
let state: StateStore;

const definition = (id: string) => ({ id, triggers: [{ event: `test/${id}` }], steps: { only: { after: [{ step: '$trigger' }], runtime: { type: 'http', url: 'http://127.0.0.1:9/step' } } } });

/** A CloudFormation custom resource request as CloudFormation sends it. */
const request = (type: 'Create' | 'Update' | 'Delete', functions: unknown[], old?: unknown[]) => ({
  RequestType: type, ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:sync', ResponseURL: responseUrl,
  StackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/stepstack-test/1', RequestId: `req-${type}-${Date.now()}`,
  LogicalResourceId: 'FunctionsSync', ResourceType: 'Custom::StepstackFunctions',
  ...(type === 'Create' ? {} : { PhysicalResourceId: 'stepstack-functions-FunctionsSync' }),
  ResourceProperties: { ServiceToken: 'x', Definitions: JSON.stringify(functions) },
  ...(old ? { OldResourceProperties: { ServiceToken: 'x', Definitions: JSON.stringify(old) } } : {}),
});

async function invokeSync(event: object): Promise<Record<string, unknown>> {
  const eventPath = path.join(workDir, `event-${Date.now()}.json`);
  await writeFile(eventPath, JSON.stringify(event));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1', REDIS_URL: redisUrl(), STEPSTACK_NAMESPACE: namespace,
    STEPSTACK_ESBUILD_DIR: '.esbuild/deploy-functions-sync',
  };
  const before = answers.length;
  // `timeout`: after a failure the CLI may hang on its esbuild child.
  await run('timeout', ['120', 'npx', 'serverless', 'invoke', 'local', '-f', 'syncFunctions', '--stage', 'local', '--path', eventPath], { cwd: ROOT, env, maxBuffer: 16 * 2 ** 20 });
  expect(answers).toHaveLength(before + 1);
  return answers[before]!;
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'stepstack-sync-'));
  responses = createServer((incoming, outgoing) => {
    let body = '';
    incoming.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    incoming.on('end', () => {
      answers.push({ method: incoming.method, contentType: incoming.headers['content-type'] ?? '', ...JSON.parse(body) as object });
      outgoing.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => responses.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(responses.address() as AddressInfo).port}/cloudformation-response?signed=1`;
  state = createRedisStateStore({ url: redisUrl(), keyPrefix: namespace });
});

afterAll(async () => {
  await state?.close();
  await new Promise((resolve) => responses?.close(resolve));
  await removeAll(workDir);
});

describe('the FunctionsSync custom resource (serverless invoke local --stage local)', () => {
  it('registers every function of the deploy on Create, and answers CloudFormation SUCCESS', async () => {
    // Act
    const answer = await invokeSync(request('Create', [definition('sync-a'), definition('sync-b')]));

    // Assess
    expect(answer).toEqual(expect.objectContaining({ method: 'PUT', contentType: '', Status: 'SUCCESS', LogicalResourceId: 'FunctionsSync', Data: { Registered: 'sync-a,sync-b', Removed: '' } }));
    expect((await state.getFunction('sync-a'))?.id).toBe('sync-a');
    expect((await state.getFunction('sync-b'))?.id).toBe('sync-b');
  }, 150_000);

  it('on Update removes the functions taken out of functions/, and leaves one registered by hand', async () => {
    // Prepare
    await state.putFunction({ ...definition('by-hand'), name: 'by-hand' } as never);

    // Act
    const answer = await invokeSync(request('Update', [definition('sync-a')], [definition('sync-a'), definition('sync-b')]));

    // Assess
    expect(answer).toEqual(expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'stepstack-functions-FunctionsSync', Data: { Registered: 'sync-a', Removed: 'sync-b' } }));
    expect(await state.getFunction('sync-b')).toBeUndefined();
    expect((await state.getFunction('sync-a'))?.id).toBe('sync-a');
    expect((await state.getFunction('by-hand'))?.id).toBe('by-hand');
  }, 150_000);

  it('answers FAILED, naming the field, for a definition the core would refuse', async () => {
    // Act
    const answer = await invokeSync(request('Update', [{ id: 'broken', triggers: [], steps: {} }], [definition('sync-a')]));

    // Assess
    expect(answer).toEqual(expect.objectContaining({ Status: 'FAILED', Reason: expect.stringMatching(/functions\[0\]/) }));
    expect((await state.getFunction('sync-a'))?.id).toBe('sync-a');
  }, 150_000);
});

describe('serverless package with a bad functions/ file', () => {
  it('fails, with the error npm start gives', async () => {
    // Prepare
    const project = await copyProject();
    await writeFile(path.join(project, 'functions/broken.yaml'), 'id: broken\ntriggers: []\nsteps: {}\n');

    try {
      // Act
      const failure = await serverlessPackage(project, 'test').then(() => 'packaged', (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`);

      // Assess
      expect(failure).toContain('functions/ has files that `npm start` would reject too');
      expect(failure).toMatch(/functions\/broken\.yaml: triggers/);
    } finally {
      await removeAll(project);
    }
  }, 150_000);
});
