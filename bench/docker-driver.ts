import { spawn } from 'node:child_process';
import { createDockerDriver } from '../adapters/docker/driver';
import type { StepInput, StepRequest } from '../core/ports/driver';
import { startDocker } from '../tests/harness/docker';
import { BUSYBOX_IMAGE, ensureTestImages } from '../tests/harness/images';
import { fmt, percentile } from './support/stats';

/**
 * Issue 4's figures: the Docker driver's per-step time against `docker run --rm -i` of the same image,
 * command and input (interleaved, same daemon, same run), and the throughput of concurrent steps.
 * Run with `npx tsx bench/docker-driver.ts` (uses STEPSTACK_TEST_DOCKER_SOCKET, /var/run/docker.sock,
 * or starts a private dockerd).
 */
const ITERATIONS = Number(process.env.ITERATIONS ?? 20);
const CONCURRENT = Number(process.env.CONCURRENT ?? 16);
const SCRIPT = `cat >/dev/null; echo '{"ok":true}'`;

const input = (n: number): StepInput => ({
  event: { name: 'bench/docker', data: { n }, id: `evt-${n}`, ts: Date.now() } as StepInput['event'],
  steps: {},
  async: null,
  ctx: { fn_id: 'bench', step_id: 'step', run_id: `bench-run-${process.pid}-${n}`, attempt: 1 },
});

function dockerRun(socketPath: string, json: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['run', '--rm', '-i', '--network', 'none', '--entrypoint', '/bin/sh', BUSYBOX_IMAGE, '-c', SCRIPT, 'step', json], {
      env: { ...process.env, DOCKER_HOST: `unix://${socketPath}` },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 || !out.includes('"ok":true')) reject(new Error(`docker run exited ${code}: ${out}`));
      else resolve(performance.now() - started);
    });
    child.stdin.end(json);
  });
}

function summary(label: string, samples: number[]): string {
  const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
  return `${label.padEnd(22)} mean ${fmt(mean)}  p50 ${fmt(percentile(samples, 50))}  p90 ${fmt(percentile(samples, 90))}`;
}

/** Prints the figures; resolves once the daemon it may have started is stopped. */
export async function benchDockerDriver(): Promise<void> {
  const daemon = await startDocker();
  const socketPath = daemon.env.STEPSTACK_TEST_DOCKER_SOCKET as string;
  try {
    await ensureTestImages(socketPath);
    const driver = createDockerDriver({ executorId: `bench-${process.pid}`, socketPath, network: 'none', maxConcurrent: CONCURRENT });
    const request = (n: number): StepRequest => ({
      input: input(n),
      runtime: { type: 'docker', image: BUSYBOX_IMAGE, entrypoint: ['/bin/sh', '-c', SCRIPT, 'step'] },
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    const driverStep = async (n: number): Promise<number> => {
      const started = performance.now();
      const outcome = await driver.run(request(n));
      if (outcome.kind !== 'success') throw new Error(JSON.stringify(outcome));
      return performance.now() - started;
    };

    // Warm up both paths, then interleave them so that drift hits both alike.
    for (let n = 0; n < 2; n += 1) {
      await driverStep(n);
      await dockerRun(socketPath, JSON.stringify(input(n)));
    }
    const viaDriver: number[] = [];
    const viaCli: number[] = [];
    for (let n = 0; n < ITERATIONS; n += 1) {
      viaDriver.push(await driverStep(n));
      viaCli.push(await dockerRun(socketPath, JSON.stringify(input(n))));
    }
    console.log(`one step at a time, ${ITERATIONS} iterations each, busybox sh reading stdin, --network none`);
    console.log(summary('docker driver', viaDriver));
    console.log(summary('docker run --rm -i', viaCli));
    const ratio = percentile(viaDriver, 50) / percentile(viaCli, 50);
    console.log(`driver / docker run (p50): ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)}%; target within +10%)`);

    for (const parallel of [4, CONCURRENT]) {
      const steps = parallel * 2;
      const rate = async (one: (n: number) => Promise<unknown>): Promise<string> => {
        const started = performance.now();
        await Promise.all(Array.from({ length: steps }, (_, n) => one(n)));
        return (steps / ((performance.now() - started) / 1000)).toFixed(1);
      };
      const driverRate = await rate(driverStep);
      const cliRate = await rate((n) => dockerRun(socketPath, JSON.stringify(input(n))));
      console.log(`throughput, ${steps} steps with ${parallel} in flight: driver ${driverRate} steps/s, docker run --rm ${cliRate} steps/s`);
    }
  } finally {
    await daemon.stop();
  }
}

if (require.main === module) {
  benchDockerDriver().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
