import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(__dirname, '../..');

/** A copy of the project's files (tracked and new, not ignored) with node_modules linked: its own `.serverless`, free to edit. */
export async function copyProject(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'stepstack-project-'));
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 16 * 2 ** 20 });
  for (const file of stdout.split('\0').filter(Boolean)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await cp(path.join(ROOT, file), path.join(dir, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted but not yet committed
    });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

export interface Packaged {
  dir: string;
  template: { Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, any> }>; Parameters: Record<string, any>; Conditions: Record<string, any>; Outputs: Record<string, any> };
}

/** `npx serverless package` of `project` for real (no AWS credentials), into a fresh folder. */
export async function serverlessPackage(project: string, stage: string, params: Record<string, string> = {}): Promise<Packaged> {
  const dir = await mkdtemp(path.join(tmpdir(), `stepstack-package-${stage}-`));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, AWS_REGION: 'us-east-1' };
  const args = ['120', 'npx', 'serverless', 'package', '--stage', stage, '--package', dir, ...Object.entries(params).map(([name, value]) => `--param=${name}=${value}`)];
  // `timeout`: after a failure the CLI may hang on its esbuild child.
  await run('timeout', args, { cwd: project, env, maxBuffer: 16 * 2 ** 20 });
  const template = JSON.parse(await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as Packaged['template'];
  return { dir, template };
}

export const removeAll = async (...dirs: (string | undefined)[]): Promise<void> => {
  for (const dir of dirs) if (dir) await rm(dir, { recursive: true, force: true });
};
