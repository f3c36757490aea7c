import { execFile } from 'node:child_process';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/**
 * Build the executor bundle that the launch template's user data installs: `executor.js` (the daemon),
 * `container.js` (the ECS Event API and runner entry) and the systemd unit, packed as `executor.tgz`.
 * Usage: `npx tsx executor/build.ts [outDir]` (default `.tmp/executor-bundle`), then upload the tgz to
 * the stage's executorBundleBucket/executorBundleKey.
 */
export async function buildExecutorBundle(outDir: string): Promise<{ dir: string; archive: string }> {
  const root = path.resolve(__dirname, '..');
  const dir = path.join(outDir, 'executor');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await build({
    entryPoints: { executor: path.join(root, 'executor/main.ts'), container: path.join(root, 'ecs/main.ts') },
    outdir: dir,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    sourcemap: true,
    // ssh2 (under dockerode) loads optional native crypto in a try/catch; without it, it falls back to JS.
    external: ['cpu-features', '*.node'],
    logLevel: 'warning',
  });
  await copyFile(path.join(root, 'executor/stepstack-executor.service'), path.join(dir, 'stepstack-executor.service'));
  const archive = path.join(outDir, 'executor.tgz');
  await promisify(execFile)('tar', ['-czf', archive, '-C', dir, '.']);
  return { dir, archive };
}

if (require.main === module) {
  buildExecutorBundle(path.resolve(process.argv[2] ?? '.tmp/executor-bundle'))
    .then(({ archive }) => process.stdout.write(`${archive}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`executor build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
