import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createSqsClient, ensureQueue } from '../../adapters/sqs';
import { eventOf, type StreamMessage } from '../../core/events/stream';
import { buildContainerImage, pushContainerImage } from '../../ecs/image';
import { buildExecutorBundle } from '../../executor/build';
import { testDockerSocket } from '../harness/images';
import { freePort } from '../support/free-port';
import { removeAll } from '../support/serverless-package';

/**
 * The container-mode image made without a registry (`docker import` of node and the bundle), pushed
 * to Debian's docker-registry on a loopback port with a login, pulled back after the local copy is
 * gone, and run: the Event API answers in it and its ECS health check command passes.
 */
const run = promisify(execFile);
const USER = 'stepstack';
const PASSWORD = 'push-secret-1';

let work: string;
let registry: ChildProcess | undefined;
let host: string;
let sqs: SQSClient;
const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: `unix://${testDockerSocket()}` });

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'stepstack-image-test-'));
  host = `127.0.0.1:${await freePort()}`;
  // bcrypt from the system's crypt(3) through perl (no htpasswd here).
  const { stdout: hash } = await run('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', PASSWORD, `$2b$10$${'stepstackregistrysalt.'.slice(0, 22)}`]);
  await writeFile(path.join(work, 'htpasswd'), `${USER}:${hash}\n`);
  await writeFile(path.join(work, 'config.yml'), [
    'version: 0.1', 'log: { level: error }', `storage: { filesystem: { rootdirectory: ${path.join(work, 'data')} } }`,
    `http: { addr: "${host}" }`, `auth: { htpasswd: { realm: stepstack, path: ${path.join(work, 'htpasswd')} } }`,
  ].join('\n'));
  registry = spawn('docker-registry', ['serve', path.join(work, 'config.yml')], { stdio: 'ignore' });
  for (const end = Date.now() + 10_000; ;) {
    if ((await fetch(`http://${host}/v2/`).then((answer) => answer.status, () => 0)) === 401) break;
    if (Date.now() > end) throw new Error(`docker-registry did not answer on ${host}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  sqs = createSqsClient({ endpoint: process.env.STEPSTACK_TEST_SQS_ENDPOINT! });
}, 60_000);

afterAll(async () => {
  registry?.kill('SIGTERM');
  sqs?.destroy();
  await removeAll(work);
});

describe('the container-mode image', () => {
  it('is built without a registry, pushed with a login, pulled back, and serves the Event API with its health check passing', async () => {
    // Prepare
    const bundle = await buildExecutorBundle(path.join(work, 'bundle'));
    const repository = `${host}/stepstack-test`;
    const queueUrl = await ensureQueue(sqs, `stepstack-image-${process.pid}-${Date.now()}`);
    const port = await freePort();

    // Act
    const reference = await buildContainerImage(bundle.dir, repository, bundle.sha256, { dockerHost: env().DOCKER_HOST });
    const refused = await pushContainerImage(reference, { username: USER, password: 'wrong' }, { dockerHost: env().DOCKER_HOST }).then(() => 'pushed', (error: Error) => error.message);
    await pushContainerImage(reference, { username: USER, password: PASSWORD }, { dockerHost: env().DOCKER_HOST });
    await run('docker', ['image', 'rm', reference], { env: env() });
    const config = await mkdtemp(path.join(work, 'docker-config-'));
    await run('sh', ['-c', `printf %s "$1" | docker login --username ${USER} --password-stdin ${host} && docker pull ${reference}`, 'sh', PASSWORD], { env: { ...env(), DOCKER_CONFIG: config } });
    const name = `stepstack-image-${process.pid}`;
    await run('docker', ['run', '-d', '--rm', '--name', name, '--network', 'host', '--read-only',
      '-e', `EVENT_STREAM_URL=${queueUrl}`, '-e', `SQS_ENDPOINT=${process.env.STEPSTACK_TEST_SQS_ENDPOINT}`, '-e', 'EVENT_KEYS=image-key',
      '-e', 'AWS_REGION=us-east-1', '-e', 'AWS_ACCESS_KEY_ID=test', '-e', 'AWS_SECRET_ACCESS_KEY=test', '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1',
      reference, 'node', 'container.js', 'event-api'], { env: env() });
    try {
      let answer: Response | undefined;
      for (const end = Date.now() + 20_000; !answer && Date.now() < end;) {
        answer = await fetch(`http://127.0.0.1:${port}/e/image-key`, { method: 'POST', body: JSON.stringify({ name: 'image/test' }) }).catch(() => undefined);
        if (!answer) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }));
      // The task definition's health check, as ECS runs it in the container (its port is the container's 8288 there).
      const check = await run('docker', ['exec', name, 'node', '-e', `fetch('http://127.0.0.1:${port}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`], { env: env() })
        .then(() => 0, (error: { code?: number }) => Number(error.code));

      // Assess
      expect(reference).toBe(`${repository}:${bundle.sha256}`);
      expect(refused).toMatch(/docker login .* failed/);
      expect(answer?.status).toBe(200);
      expect(received.Messages?.map((message) => eventOf(JSON.parse(message.Body!) as StreamMessage).name)).toEqual(['image/test']);
      expect(check).toBe(0);
    } finally {
      await run('docker', ['rm', '-f', name], { env: env() }).catch(() => undefined);
      await run('docker', ['image', 'rm', '-f', reference], { env: env() }).catch(() => undefined);
    }
  }, 120_000);
});
