import { createDockerDriver } from '../../adapters/docker/driver';
import { probeDocker } from '../../adapters/docker/probe';
import { PlatformError } from '../../core/errors';
import type { StepInput } from '../../core/ports/driver';

const MISSING_SOCKET = '/tmp/stepstack-no-such-docker.sock';

describe('a Docker daemon that does not answer', () => {
  it('makes the driver throw a PlatformError naming the socket', async () => {
    // Prepare
    const driver = createDockerDriver({ executorId: 'e', socketPath: MISSING_SOCKET, network: 'none' });
    const input = { event: { name: 'a/b', data: {} }, steps: {}, async: null, ctx: { fn_id: 'f', step_id: 's', run_id: 'r', attempt: 1 } } as unknown as StepInput;
    // Act
    const run = driver.run({ input, runtime: { type: 'docker', image: 'busybox:1' }, timeoutMs: 1000, signal: new AbortController().signal });
    // Assess
    await expect(run).rejects.toBeInstanceOf(PlatformError);
    await expect(run).rejects.toThrow(`Docker daemon at ${MISSING_SOCKET} does not answer`);
  });

  it('makes probeDocker answer unavailable, quickly, with the reason', async () => {
    const started = Date.now();
    const probe = await probeDocker(MISSING_SOCKET);
    expect(probe).toEqual({ available: false, reason: `no Docker daemon answers at ${MISSING_SOCKET}: no socket there` });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('fails a step that is not a docker step for good', async () => {
    const driver = createDockerDriver({ executorId: 'e', socketPath: MISSING_SOCKET });
    const outcome = await driver.run({ input: {} as StepInput, runtime: { type: 'http', url: 'http://x' }, timeoutMs: 1, signal: new AbortController().signal });
    expect(outcome).toEqual({ kind: 'failure', retryable: false, error: 'the docker driver cannot run a http step' });
  });
});
