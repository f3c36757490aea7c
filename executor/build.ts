import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';

/** The systemd units that go into the bundle, next to the code they run. */
const UNITS = ['stepstack-executor.service', 'stepstack-health.service', 'stepstack-health.timer'];

export interface ExecutorBundle {
  /** The unpacked bundle. */
  dir: string;
  /** `executor.tgz`, byte-identical for identical sources (sorted names, fixed times and owners, gzip without a timestamp). */
  archive: string;
  /** Hex SHA-256 of the archive: its content address, and what the user data checks before installing it. */
  sha256: string;
}

/**
 * Build the executor bundle that the launch template's user data installs: `executor.js` (the daemon),
 * `container.js` (the ECS Event API and runner entry) and the systemd units, packed as `executor.tgz`.
 * `serverless package` builds it (deploy/plugin.ts); by hand: `npx tsx executor/build.ts [outDir]`
 * (default `.tmp/executor-bundle`).
 */
export async function buildExecutorBundle(outDir: string): Promise<ExecutorBundle> {
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
  for (const unit of UNITS) await copyFile(path.join(root, 'executor', unit), path.join(dir, unit));
  const archive = path.join(outDir, 'executor.tgz');
  await promisify(execFile)('sh', ['-c', 'tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --mode=u+rw,go+r,go-w -cf - -C "$1" . | gzip -9n > "$2"', 'tar', dir, archive]);
  const sha256 = createHash('sha256').update(await readFile(archive)).digest('hex');
  return { dir, archive, sha256 };
}

if (require.main === module) {
  buildExecutorBundle(path.resolve(process.argv[2] ?? '.tmp/executor-bundle'))
    .then(({ archive, sha256 }) => process.stdout.write(`${archive} ${sha256}\n`))
    .catch((error: unknown) => {
      process.stderr.write(`executor build failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
}
