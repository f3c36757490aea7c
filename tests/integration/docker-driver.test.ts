import Docker from 'dockerode';
import { createDockerDriver, type DockerDriver } from '../../adapters/docker/driver';
import { LABELS } from '../../adapters/docker/labels';
import type { DockerDriverOptions } from '../../adapters/docker/options';
import { probeDocker } from '../../adapters/docker/probe';
import { PlatformError } from '../../core/errors';
import type { DockerRuntime } from '../../core/functions/definition';
import type { StepInput, StepOutcome, StepRequest } from '../../core/ports/driver';
import { BUSYBOX_IMAGE, EXAMPLE_STEP_IMAGE, ensureTestImages, testDockerSocket } from '../harness/images';

jest.setTimeout(60_000);

const socketPath = testDockerSocket();
const docker = new Docker({ socketPath });
const executorId = `test-executor-${process.pid}`;
let runCounter = 0;

function driverWith(options: Partial<DockerDriverOptions> = {}): DockerDriver {
  return createDockerDriver({ executorId, socketPath, network: 'none', ...options });
}

function input(overrides: { data?: Record<string, unknown>; attempt?: number } = {}): StepInput {
  runCounter += 1;
  return {
    event: { name: 'test/docker', data: overrides.data ?? { n: 1 }, id: `evt-${runCounter}`, ts: 1_700_000_000_000 } as StepInput['event'],
    steps: { earlier: { ok: true } },
    async: null,
    ctx: { fn_id: 'fn-docker', step_id: 'step-a', run_id: `run-${process.pid}-${runCounter}`, attempt: overrides.attempt ?? 1 },
  };
}

/** A busybox step running `script` with `sh -c`; the input is "$1" there. */
function shell(script: string, extra: Partial<DockerRuntime> = {}): DockerRuntime {
  return { type: 'docker', image: BUSYBOX_IMAGE, entrypoint: ['/bin/sh', '-c', script, 'step'], ...extra };
}

function request(runtime: DockerRuntime, stepInput: StepInput = input(), extra: Partial<StepRequest> = {}): StepRequest {
  return { input: stepInput, runtime, timeoutMs: 30_000, signal: new AbortController().signal, ...extra };
}

function failure(outcome: StepOutcome): Extract<StepOutcome, { kind: 'failure' }> {
  if (outcome.kind !== 'failure') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

async function containersOfRun(runId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`${LABELS.run}=${runId}`] } });
}

beforeAll(async () => {
  await ensureTestImages(socketPath);
});

describe('docker driver: protocol', () => {
  it('takes the last JSON line of stdout as the output', async () => {
    // Prepare
    const driver = driverWith();
    // Act
    const outcome = await driver.run(request(shell(`echo starting; echo '{"first":1}'; echo '{"ok":true,"n":2}'; echo done >&2`)));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { ok: true, n: 2 } });
  });

  it('wraps plain text output as {body}', async () => {
    const driver = driverWith();
    const outcome = await driver.run(request(shell('echo just text; echo more text')));
    expect(outcome).toEqual({ kind: 'success', output: { body: 'just text\nmore text\n' } });
  });

  it('hands the full input on stdin', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input({ data: { plan: 'pro', tags: ['a', 'b'] } });
    // Act
    const outcome = await driver.run(request(shell('cat'), stepInput));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: JSON.parse(JSON.stringify(stepInput)) });
  });

  it('hands the full input as the first argument too', async () => {
    const driver = driverWith();
    const stepInput = input({ data: { plan: 'pro' } });
    const outcome = await driver.run(request(shell(`printf '%s\\n' "$1"`), stepInput));
    expect(outcome).toEqual({ kind: 'success', output: JSON.parse(JSON.stringify(stepInput)) });
  });

  it('appends the input to the image entrypoint (the example step image)', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input({ attempt: 2 });
    const size = Buffer.byteLength(JSON.stringify(stepInput));
    // Act
    const outcome = await driver.run(request({ type: 'docker', image: EXAMPLE_STEP_IMAGE }, stepInput));
    // Assess
    expect(outcome).toEqual({
      kind: 'success',
      output: { greeting: 'hello from a container', event: 'test/docker', attempt: 2, stdin_bytes: size, argv_bytes: size },
    });
  });

  it('puts an input over 200 KiB on stdin only', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input({ data: { blob: 'x'.repeat(210 * 1024) } });
    const size = Buffer.byteLength(JSON.stringify(stepInput));
    // Act
    const outcome = await driver.run(request(shell(`n=$(wc -c | tr -d ' '); echo "{\\"stdin\\":$n,\\"args\\":$#}"`), stepInput));
    // Assess
    expect(size).toBeGreaterThan(200 * 1024);
    expect(outcome).toEqual({ kind: 'success', output: { stdin: size, args: 0 } });
  });

  it('passes the step env to the container', async () => {
    const driver = driverWith();
    const outcome = await driver.run(request(shell('echo "{\\"greeting\\":\\"$GREETING\\"}"', { env: { GREETING: 'hi there' } })));
    expect(outcome).toEqual({ kind: 'success', output: { greeting: 'hi there' } });
  });
});

describe('docker driver: failures', () => {
  it('fails a non-zero exit retryably, and the retry can succeed', async () => {
    // Prepare: the step fails on its first attempt only
    const driver = driverWith();
    const runtime = shell(`if grep -q '"attempt":1}'; then echo 'flaky failure' >&2; exit 3; fi; echo '{"ok":true}'`);
    const first = input({ attempt: 1 });
    const second = { ...first, ctx: { ...first.ctx, attempt: 2 } };
    // Act
    const attempts = [await driver.run(request(runtime, first)), await driver.run(request(runtime, second))];
    // Assess
    const failed = failure(attempts[0] as StepOutcome);
    expect(failed.retryable).toBe(true);
    expect(failed.error).toContain('exited with code 3');
    expect(failed.error).toContain('flaky failure');
    expect(attempts[1]).toEqual({ kind: 'success', output: { ok: true } });
  });

  it('fails for good when the output carries a 4xx status', async () => {
    const driver = driverWith();
    const outcome = failure(await driver.run(request(shell(`echo '{"status":404,"error":"no such user"}'; exit 1`))));
    expect(outcome.retryable).toBe(false);
    expect(outcome.output).toEqual({ status: 404, error: 'no such user' });
  });

  it('retries when the output carries a 5xx status', async () => {
    const driver = driverWith();
    const outcome = failure(await driver.run(request(shell(`echo '{"status":503}'; exit 1`))));
    expect(outcome.retryable).toBe(true);
  });

  it('kills a container that runs past its timeout', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input();
    const started = Date.now();
    // Act
    const outcome = failure(await driver.run(request(shell('sleep 30'), stepInput, { timeoutMs: 1500 })));
    // Assess
    const elapsed = Date.now() - started;
    expect(outcome.retryable).toBe(true);
    expect(outcome.error).toMatch(/^timed out after 1s500ms/);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(4000);
    expect(await containersOfRun(stepInput.ctx.run_id)).toEqual([]);
  });

  it('enforces the memory limit and says the step ran out of memory', async () => {
    const driver = driverWith();
    // Holds ~64 MB in a shell variable, against a 16 MiB limit.
    const outcome = failure(await driver.run(request(shell(`x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo "{\\"len\\":\${#x}}"`, { memory: '16Mi' }))));
    expect(outcome.error).toMatch(/out of memory: the container went over its memory limit of 16Mi/);
  });

  it('lets the same program finish under a generous memory limit', async () => {
    const driver = driverWith();
    const outcome = await driver.run(request(shell(`x=$(head -c 4000000 /dev/zero | tr '\\0' a); echo "{\\"len\\":\${#x}}"`, { memory: '256Mi', cpus: 0.5 })));
    expect(outcome).toEqual({ kind: 'success', output: { len: 4_000_000 } });
  });

  it('fails for good when stdout goes over the cap', async () => {
    const driver = driverWith({ maxStdoutBytes: 4096 });
    const outcome = failure(await driver.run(request(shell(`head -c 100000 /dev/zero | tr '\\0' a; sleep 20`))));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('standard output went over the limit of 4 KiB');
  });

  it('fails for good naming a missing image when pulling is off', async () => {
    const driver = driverWith({ pullPolicy: 'never' });
    const outcome = failure(await driver.run(request({ type: 'docker', image: 'stepstack-test/missing:none' })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('image stepstack-test/missing:none is not on this machine');
  });

  it('fails for good naming an image that cannot be pulled', async () => {
    // A loopback registry address where nothing listens: the pull fails without leaving the machine.
    const driver = driverWith();
    const outcome = failure(await driver.run(request({ type: 'docker', image: '127.0.0.1:9/stepstack/missing:1' })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('image 127.0.0.1:9/stepstack/missing:1 cannot be pulled');
  });

  it('fails for good when the entrypoint does not exist', async () => {
    const driver = driverWith();
    const outcome = failure(await driver.run(request({ type: 'docker', image: BUSYBOX_IMAGE, entrypoint: ['/no/such/program'] })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain('/no/such/program');
  });
});

describe('docker driver: containers', () => {
  it('labels every container with run, step, attempt and executor, then removes it', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input({ attempt: 3 });
    // Act
    const running = driver.run(request(shell('sleep 1; echo {}'), stepInput));
    let seen: Docker.ContainerInfo[] = [];
    for (let tries = 0; tries < 50 && seen.length === 0; tries += 1) {
      seen = await containersOfRun(stepInput.ctx.run_id);
      if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await running;
    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]?.Labels).toMatchObject({
      [LABELS.run]: stepInput.ctx.run_id, [LABELS.step]: 'step-a', [LABELS.attempt]: '3', [LABELS.executor]: executorId,
    });
    expect(await containersOfRun(stepInput.ctx.run_id)).toEqual([]);
  });

  it('runs without capabilities, without new privileges and without a network', async () => {
    const driver = driverWith();
    const outcome = await driver.run(request(shell(
      `caps=$(grep CapEff /proc/self/status | cut -f2); nnp=$(grep NoNewPrivs /proc/self/status | cut -f2); nets=$(ls /sys/class/net | grep -vc '^lo$'); echo "{\\"caps\\":\\"$caps\\",\\"nnp\\":$nnp,\\"nets\\":$nets}"`,
    )));
    expect(outcome).toEqual({ kind: 'success', output: { caps: '0000000000000000', nnp: 1, nets: 0 } });
  });

  it('runs a step that sets no limits under the stage defaults, as an unprivileged user', async () => {
    // Prepare: cgroup v1 and v2 spell the limits differently; the script reads whichever exists.
    const driver = driverWith();
    const script = [
      'mem=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes)',
      'pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)',
      'cpu=$(cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)")',
      'uid=$(grep Uid /proc/self/status | cut -f2)',
      'echo "{\\"mem\\":\\"$mem\\",\\"pids\\":\\"$pids\\",\\"cpu\\":\\"$cpu\\",\\"uid\\":\\"$uid\\"}"',
    ].join('; ');
    // Act
    const outcome = await driver.run(request(shell(script)));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { mem: String(512 * 2 ** 20), pids: '512', cpu: '100000 100000', uid: '65534' } });
  });

  it('runs a root image as root only when the stage allows it', async () => {
    // Act
    const outcome = await driverWith({ allowRoot: true }).run(request(shell('echo "{\\"uid\\":\\"$(grep Uid /proc/self/status | cut -f2)\\"}"')));
    // Assess
    expect(outcome).toEqual({ kind: 'success', output: { uid: '0' } });
  });

  it.each<[Partial<DockerRuntime>, string, Partial<DockerDriverOptions>?]>([
    [{ memory: '16Gi' }, "memory 16Gi is over this stage's maximum of 8Gi (the Docker driver's maximums.memory)"],
    [{ memory: '128Mi' }, "memory 128Mi is over this stage's maximum of 64Mi (the Docker driver's maximums.memory)", { maximums: { memory: '64Mi' }, defaults: { memory: '32Mi' } }],
    [{ cpus: 4096 }, "cpus 4096 is over this stage's maximum of"],
  ])('fails for good when a step asks for more than the maximum (%j), creating no container', async (ask, message, options = {}) => {
    // Prepare
    const stepInput = input();
    // Act
    const outcome = failure(await driverWith(options).run(request(shell('echo "{}"', ask), stepInput)));
    // Assess
    expect(outcome.retryable).toBe(false);
    expect(outcome.error).toContain(message);
    expect(await containersOfRun(stepInput.ctx.run_id)).toEqual([]);
  });

  it('runs at most maxConcurrent containers at once and queues the rest', async () => {
    // Prepare: six one-second steps that report when they ran, on the shared kernel clock
    const driver = driverWith({ maxConcurrent: 2 });
    const script = `s=$(cut -d' ' -f1 /proc/uptime); sleep 1; e=$(cut -d' ' -f1 /proc/uptime); echo "{\\"s\\":$s,\\"e\\":$e}"`;
    let peak = 0;
    const sampler = setInterval(() => { peak = Math.max(peak, driver.running); }, 10);
    // Act
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => driver.run(request(shell(script)))));
    clearInterval(sampler);
    // Assess
    const spans = outcomes.map((outcome) => {
      if (outcome.kind !== 'success') throw new Error(JSON.stringify(outcome));
      return outcome.output as { s: number; e: number };
    });
    const overlapAt = (t: number): number => spans.filter((span) => span.s <= t && t < span.e).length;
    expect(Math.max(...spans.map((span) => overlapAt(span.s)))).toBe(2);
    expect(peak).toBe(2);
    expect(Math.max(...spans.map((span) => span.e)) - Math.min(...spans.map((span) => span.s))).toBeGreaterThanOrEqual(3);
  });

  it('kills and removes the container when the request is aborted', async () => {
    // Prepare
    const driver = driverWith();
    const stepInput = input();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 700);
    const started = Date.now();
    // Act
    const result = driver.run(request(shell('sleep 30'), stepInput, { signal: controller.signal }));
    // Assess
    await expect(result).rejects.toBeInstanceOf(PlatformError);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await containersOfRun(stepInput.ctx.run_id)).toEqual([]);
  });

  it('removes containers that an earlier executor left behind, and keeps its own', async () => {
    // Prepare: a running orphan of a dead executor, and a container of this driver's own executor
    const driver = driverWith();
    const deadExecutor = `dead-executor-${process.pid}`;
    const labelsOf = (owner: string) => ({ [LABELS.run]: 'run-orphan', [LABELS.step]: 's', [LABELS.attempt]: '1', [LABELS.executor]: owner });
    const orphan = await docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['sleep', '300'], Labels: labelsOf(deadExecutor), HostConfig: { NetworkMode: 'none' } });
    await orphan.start();
    const own = await docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['true'], Labels: labelsOf(executorId), HostConfig: { NetworkMode: 'none' } });
    // Act
    const removed = await driver.removeOrphans();
    // Assess
    try {
      expect(removed).toBeGreaterThanOrEqual(1);
      await expect(orphan.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await own.inspect()).Id).toBe(own.id);
    } finally {
      await own.remove({ force: true });
    }
  });

  it('removes the containers of one named executor', async () => {
    const driver = driverWith();
    const other = `other-executor-${process.pid}`;
    const container = await docker.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['true'], Labels: { [LABELS.executor]: other }, HostConfig: { NetworkMode: 'none' } });
    const removed = await driver.removeOrphans(other);
    expect(removed).toBe(1);
    await expect(container.inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('probeDocker', () => {
  it('reports the daemon version when it answers', async () => {
    const probe = await probeDocker(socketPath);
    expect(probe).toMatchObject({ available: true, version: expect.stringMatching(/^\d+\.\d+/) });
  });
});
