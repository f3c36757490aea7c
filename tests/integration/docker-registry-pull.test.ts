import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { createDockerDriver } from '../../adapters/docker/driver';
import type { RegistryCredentials } from '../../adapters/docker/options';
import type { StepInput, StepOutcome, StepRequest } from '../../core/ports/driver';
import { BUSYBOX_IMAGE, ensureTestImages, testDockerSocket } from '../harness/images';
import { freePort } from '../support/free-port';

jest.setTimeout(60_000);

// Debian's docker-registry (Distribution 2.8) on a loopback port, with htpasswd basic auth. The
// bcrypt hash comes from the system's crypt(3) through perl: apache2-utils (htpasswd) is not
// installed and node_modules holds no bcrypt package.
const USER = 'stepstack';
const PASSWORD = 'pull-secret-1';

const socketPath = testDockerSocket();
const docker = new Docker({ socketPath });
let registry: ChildProcess | undefined;
let dir = '';
let host = '';
let image = '';

function bcrypt(password: string): string {
  const salt = '$2b$10$' + 'stepstackregistrysalt.'.slice(0, 22);
  return execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, salt], { encoding: 'utf8' });
}

async function startRegistry(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'stepstack-registry-'));
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  writeFileSync(join(dir, 'htpasswd'), `${USER}:${bcrypt(PASSWORD)}\n`);
  writeFileSync(join(dir, 'config.yml'), [
    'version: 0.1',
    'log: { level: error }',
    `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} } }`,
    `http: { addr: "${host}" }`,
    `auth: { htpasswd: { realm: stepstack, path: ${join(dir, 'htpasswd')} } }`,
  ].join('\n'));
  registry = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    // Up and asking for credentials: 401 on the API root.
    const status = await fetch(`http://${host}/v2/`).then((response) => response.status, () => 0);
    if (status === 401) return;
    if (Date.now() > deadline) throw new Error(`docker-registry did not answer on ${host} (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function followToEnd(stream: NodeJS.ReadableStream): Promise<void> {
  const events = await new Promise<Array<{ error?: string }>>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Array<{ error?: string }>) => (error ? reject(error) : resolve(output)));
  });
  const failed = events.find((event) => event.error);
  if (failed) throw new Error(failed.error);
}

function request(runtimeImage: string): StepRequest {
  const input: StepInput = {
    event: { name: 'test/pull', data: {}, id: 'evt-pull', ts: 1 } as StepInput['event'],
    steps: {}, async: null, ctx: { fn_id: 'fn', step_id: 'pull', run_id: `run-pull-${process.pid}`, attempt: 1 },
  };
  return {
    input,
    runtime: { type: 'docker', image: runtimeImage, entrypoint: ['/bin/sh', '-c', `echo '{"pulled":true}'`] },
    timeoutMs: 30_000,
    signal: new AbortController().signal,
  };
}

const credentials = (password: string): RegistryCredentials => ({ username: USER, password, serveraddress: host });

beforeAll(async () => {
  await ensureTestImages(socketPath);
  await startRegistry();
  // Put the test image in the registry, then drop the local copy so that the driver must pull it.
  image = `${host}/stepstack/busybox:auth`;
  await docker.getImage(BUSYBOX_IMAGE).tag({ repo: `${host}/stepstack/busybox`, tag: 'auth' });
  await followToEnd(await docker.getImage(image).push({ authconfig: credentials(PASSWORD) }));
});

beforeEach(async () => {
  await docker.getImage(image).remove().catch(() => undefined);
});

afterAll(async () => {
  await docker.getImage(image).remove().catch(() => undefined);
  registry?.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('docker driver: pulling from a registry that wants credentials', () => {
  it('pulls an absent image with the credentials the provider gives, then runs it', async () => {
    // Prepare
    const asked: string[] = [];
    const driver = createDockerDriver({
      executorId: `pull-${process.pid}`, socketPath, network: 'none',
      credentialsFor: async (wanted) => {
        asked.push(wanted);
        return credentials(PASSWORD);
      },
    });
    // Act
    const outcome = await driver.run(request(image));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { pulled: true } });
    expect(asked).toEqual([image]);
    expect((await docker.getImage(image).inspect()).RepoTags).toContain(image);
  });

  it('fails for good, naming the image, when the registry refuses the credentials', async () => {
    const driver = createDockerDriver({ executorId: `pull-${process.pid}`, socketPath, network: 'none', credentialsFor: async () => credentials('wrong') });
    const outcome = await driver.run(request(image));
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false });
    expect((outcome as Extract<StepOutcome, { kind: 'failure' }>).error).toContain(`image ${image} cannot be pulled`);
  });

  it('fails for good without credentials', async () => {
    const driver = createDockerDriver({ executorId: `pull-${process.pid}`, socketPath, network: 'none' });
    const outcome = await driver.run(request(image));
    expect(outcome).toMatchObject({ kind: 'failure', retryable: false });
    expect((outcome as Extract<StepOutcome, { kind: 'failure' }>).error).toMatch(/no basic auth credentials|unauthorized/);
  });

  it('pulls again under the "always" policy even when the image is present', async () => {
    // Prepare: the image is present locally, and the provider counts the pulls
    let pulls = 0;
    const driver = createDockerDriver({
      executorId: `pull-${process.pid}`, socketPath, network: 'none', pullPolicy: 'always',
      credentialsFor: async () => {
        pulls += 1;
        return credentials(PASSWORD);
      },
    });
    await driver.run(request(image));
    // Act
    const outcome = await driver.run(request(image));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { pulled: true } });
    expect(pulls).toBe(2);
  });
});
