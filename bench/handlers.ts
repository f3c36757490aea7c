import { execFile } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/**
 * Each Lambda handler as serverless.yml bundles it (esbuild, minified, CommonJS, the AWS SDK left to
 * the runtime): its size, and its cold module-load time here (a fresh node per sample, median of
 * SAMPLES), with no source map as deployed, and with an external source map loaded through
 * --enable-source-maps, the choice it replaced (docs/decisions/011-deploy-checks.md).
 */
const ROOT = path.resolve(__dirname, '..');
const HANDLERS = ['event-api', 'core-api', 'runner', 'dead-letters', 'cron', 'sync-functions'];
const SAMPLES = 9;
const run = promisify(execFile);

async function bundle(outdir: string, sourcemap: boolean): Promise<void> {
  await build({
    entryPoints: HANDLERS.map((name) => path.join(ROOT, 'lambda', `${name}.ts`)),
    outdir, bundle: true, minify: true, sourcemap, platform: 'node', target: 'node22', format: 'cjs', logLevel: 'warning',
    external: ['@aws-sdk/*', 'dockerode', 'docker-modem', 'ssh2', 'cpu-features'],
  });
}

/** Milliseconds to require the file in a fresh process (the SDK it needs comes from node_modules, as from the runtime). */
async function loadMs(file: string, nodeOptions: string[]): Promise<number> {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const { stdout } = await run(process.execPath, [...nodeOptions, '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1' } });
  return Number(stdout);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchHandlers(): Promise<void> {
  const dir = path.join(ROOT, '.tmp', 'bench-handlers');
  await rm(dir, { recursive: true, force: true });
  await Promise.all([bundle(path.join(dir, 'plain'), false), bundle(path.join(dir, 'mapped'), true)]);
  console.log(`\nLambda handlers (minified, AWS SDK external; cold module load, median of ${SAMPLES} fresh processes)`);
  console.log('handler          bundle KiB  map KiB  load ms  load ms with --enable-source-maps');
  for (const name of HANDLERS) {
    const plain = path.join(dir, 'plain', `${name}.js`);
    const mapped = path.join(dir, 'mapped', `${name}.js`);
    const plainMs: number[] = [];
    const mappedMs: number[] = [];
    for (let sample = 0; sample < SAMPLES; sample += 1) {
      plainMs.push(await loadMs(plain, []));
      mappedMs.push(await loadMs(mapped, ['--enable-source-maps']));
    }
    const kib = async (file: string): Promise<string> => ((await stat(file)).size / 1024).toFixed(0);
    console.log(`${name.padEnd(16)} ${(await kib(plain)).padStart(10)}  ${(await kib(`${mapped}.map`)).padStart(7)}  ${median(plainMs).toFixed(1).padStart(7)}  ${median(mappedMs).toFixed(1).padStart(7)}`);
  }
  await rm(dir, { recursive: true, force: true });
}

if (require.main === module) {
  benchHandlers().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
