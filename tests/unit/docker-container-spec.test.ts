import { MAX_ARGUMENT_BYTES, containerSpec, isRootUser } from '../../adapters/docker/container-spec';
import { resolveOptions } from '../../adapters/docker/options';
import type { DockerRuntime } from '../../core/functions/definition';
import type { StepInput } from '../../core/ports/driver';

const input: StepInput = {
  event: { name: 'a/b', data: {}, id: 'e1', ts: 1 } as StepInput['event'],
  steps: {}, async: null, ctx: { fn_id: 'fn', step_id: 'send', run_id: 'run-1', attempt: 2 },
};
const options = resolveOptions({ executorId: 'exec-1', network: 'none', defaults: { pids: 64 } });
const image = { entrypoint: ['/app/step'], cmd: ['--verbose'], user: 'app' };
const limits = { memoryBytes: 2 ** 29, cpus: 1, pids: 64 };
const runtime: DockerRuntime = { type: 'docker', image: 'mailer:1' };

describe('containerSpec', () => {
  it("appends the input to the image's command when it fits in one argument", () => {
    const spec = containerSpec({ runtime, command: image, input, inputJson: '{"x":1}', limits, options });
    expect(spec.Entrypoint).toBeUndefined();
    expect(spec.Cmd).toEqual(['--verbose', '{"x":1}']);
  });

  it("lets the step's entrypoint replace the image's entrypoint and command", () => {
    const spec = containerSpec({ runtime: { ...runtime, entrypoint: ['/bin/run'] }, command: image, input, inputJson: '{}', limits, options });
    expect(spec.Entrypoint).toEqual(['/bin/run']);
    expect(spec.Cmd).toEqual(['{}']);
  });

  it('leaves an input that does not fit in one argument to stdin alone', () => {
    const big = `"${'x'.repeat(MAX_ARGUMENT_BYTES)}"`;
    const spec = containerSpec({ runtime, command: image, input, inputJson: big, limits, options });
    expect(spec.Cmd).toEqual(['--verbose']);
    expect(spec.OpenStdin).toBe(true);
    expect(spec.StdinOnce).toBe(true);
  });

  it('labels the container and locks it down', () => {
    const spec = containerSpec({ runtime: { ...runtime, env: { A: '1' } }, command: image, input, inputJson: '{}', limits: { memoryBytes: 2 ** 28, cpus: 0.5, pids: 64 }, options });
    expect(spec.Labels).toEqual({ 'stepstack.run': 'run-1', 'stepstack.step': 'send', 'stepstack.attempt': '2', 'stepstack.executor': 'exec-1' });
    expect(spec.Env).toEqual(['A=1']);
    expect(spec.Tty).toBe(false);
    expect(spec.HostConfig).toMatchObject({
      NetworkMode: 'none', Privileged: false, Binds: [], Mounts: [], SecurityOpt: ['no-new-privileges'], CapDrop: ['ALL'],
      PidsLimit: 64, Memory: 2 ** 28, MemorySwap: 2 ** 28, NanoCpus: 500_000_000, AutoRemove: false,
    });
  });
});

describe('containerSpec users', () => {
  it.each(['', 'root', '0', 'root:root', '0:0'])('runs an image whose user is %j as nobody', (user) => {
    // Act
    const spec = containerSpec({ runtime, command: { ...image, user }, input, inputJson: '{}', limits, options });
    // Assess
    expect(isRootUser(user)).toBe(true);
    expect(spec.User).toBe('65534:65534');
  });

  it("keeps an image's own non-root user, and a root image's user when the stage allows root", () => {
    // Prepare
    const allowing = resolveOptions({ executorId: 'exec-1', allowRoot: true });
    // Act
    const own = containerSpec({ runtime, command: image, input, inputJson: '{}', limits, options });
    const root = containerSpec({ runtime, command: { ...image, user: '' }, input, inputJson: '{}', limits, options: allowing });
    // Assess
    expect(own.User).toBeUndefined();
    expect(root.User).toBeUndefined();
  });
});

describe('resolveOptions', () => {
  it('sets default and maximum limits for memory, cpus and pids', () => {
    // Act
    const resolved = resolveOptions({ executorId: 'e' });
    // Assess
    expect(resolved.defaults).toEqual({ memory: '512Mi', cpus: 1, pids: 512 });
    expect(resolved.maximums).toEqual({ memory: '8Gi', cpus: expect.any(Number), pids: 4096 });
    expect(resolved.allowRoot).toBe(false);
  });

  it('refuses a default above its maximum and bad limits, naming each', () => {
    // Act
    const resolving = () => resolveOptions({ executorId: 'e', defaults: { memory: '1Gi', pids: 0 }, maximums: { memory: '512Mi', cpu: 2 } as never });
    const above = () => resolveOptions({ executorId: 'e', defaults: { memory: '1Gi' }, maximums: { memory: '512Mi' } });
    // Assess
    expect(resolving).toThrow(/maximums.cpu: unknown limit.*defaults.pids: must be a whole number/);
    expect(above).toThrow('defaults.memory: 1Gi is above maximums.memory (512Mi): lower the default or raise the maximum');
  });

  it('applies defaults', () => {
    expect(resolveOptions({ executorId: 'e', socketPath: '/s' })).toMatchObject({
      network: 'bridge', pullPolicy: 'if-not-present', maxStdoutBytes: 4 * 2 ** 20, maxStderrBytes: 64 * 2 ** 10, dropCapabilities: true,
    });
  });

  it('rejects unknown and bad options, naming each', () => {
    expect(() => resolveOptions({ executorId: '', netwrok: 'none', pullPolicy: 'sometimes', maxConcurrent: 0, defaults: { memory: '1q' } } as never))
      .toThrow(/netwrok: unknown option.*executorId: required.*pullPolicy: "sometimes" is not one of.*maxConcurrent: must be a whole number.*defaults.memory: memory "1q"/);
  });
});
