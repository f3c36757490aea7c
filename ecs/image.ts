import { execFile, spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The container-mode image (resources/ecs.yml) without a base image from a registry: a root
 * filesystem of this machine's `node` with the shared libraries it links, and the executor bundle's
 * `container.js` in /app, made an image with `docker import`. Tagged with the bundle's SHA-256, as
 * the task definitions name it. Usage:
 *   npx tsx ecs/image.ts build <bundle-dir> <repository> <tag>
 *   npx tsx ecs/image.ts push <repository>:<tag> [user password-from-stdin]
 * `serverless deploy` in container mode builds and pushes it itself (deploy/plugin.ts).
 */
export interface DockerOptions {
  /** DOCKER_HOST for the docker CLI. @default the environment's */
  dockerHost?: string;
  /** DOCKER_CONFIG (where `docker login` keeps credentials). @default a fresh temporary folder */
  dockerConfig?: string;
}

const dockerEnv = (options: DockerOptions): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH, HOME: process.env.HOME,
  ...(options.dockerHost ?? process.env.DOCKER_HOST ? { DOCKER_HOST: options.dockerHost ?? process.env.DOCKER_HOST } : {}),
  ...(options.dockerConfig ? { DOCKER_CONFIG: options.dockerConfig } : {}),
});

/** The libraries `ldd` says `binary` loads, dynamic loader included. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await run('ldd', [binary]);
  return [...stdout.matchAll(/(\/\S+)\s+\(0x/g)].map((match) => match[1]!);
}

/** `docker import` a root filesystem of node and the bundle's container.js as `<repository>:<tag>`; answers the reference. */
export async function buildContainerImage(bundleDir: string, repository: string, tag: string, options: DockerOptions = {}): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'stepstack-image-'));
  try {
    // mkdtemp makes 0700: the image's / must let the unprivileged user in.
    await chmod(root, 0o755);
    const node = process.execPath;
    await mkdir(path.join(root, 'usr/local/bin'), { recursive: true });
    await copyFile(node, path.join(root, 'usr/local/bin/node'));
    await chmod(path.join(root, 'usr/local/bin/node'), 0o755);
    for (const library of await sharedLibraries(node)) {
      await mkdir(path.join(root, path.dirname(library)), { recursive: true });
      await copyFile(library, path.join(root, library));
      await chmod(path.join(root, library), 0o755);
    }
    await mkdir(path.join(root, 'app'), { recursive: true });
    await copyFile(path.join(bundleDir, 'container.js'), path.join(root, 'app/container.js'));
    await mkdir(path.join(root, 'etc'), { recursive: true });
    await writeFile(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
    await writeFile(path.join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    await chmod(path.join(root, 'tmp'), 0o1777);
    const reference = `${repository}:${tag}`;
    const changes = ['WORKDIR /app', 'USER 65534:65534', 'ENV PATH=/usr/local/bin', 'EXPOSE 8288', 'CMD ["node", "container.js", "runner"]'];
    const tar = spawn('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-C', root, '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const docker = spawn('docker', ['import', ...changes.flatMap((change) => ['--change', change]), '-', reference], { env: dockerEnv(options), stdio: ['pipe', 'ignore', 'pipe'] });
    tar.stdout.pipe(docker.stdin);
    let errors = '';
    docker.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => docker.on('exit', resolve));
    if (code !== 0) throw new Error(`docker import failed (${code}): ${errors.trim()}`);
    return reference;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Push `reference`, logging in to its registry first when credentials are given. */
export async function pushContainerImage(reference: string, credentials?: { username: string; password: string }, options: DockerOptions = {}): Promise<void> {
  const config = options.dockerConfig ?? await mkdtemp(path.join(tmpdir(), 'stepstack-docker-config-'));
  const env = dockerEnv({ ...options, dockerConfig: config });
  try {
    if (credentials) {
      const registry = reference.split('/')[0]!;
      await new Promise<void>((resolve, reject) => {
        const login = spawn('docker', ['login', '--username', credentials.username, '--password-stdin', registry], { env, stdio: ['pipe', 'ignore', 'pipe'] });
        let errors = '';
        login.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
        login.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`docker login ${registry} failed: ${errors.trim()}`))));
        login.stdin.end(credentials.password);
      });
    }
    await run('docker', ['push', reference], { env, maxBuffer: 16 * 2 ** 20 });
  } finally {
    if (!options.dockerConfig) await rm(config, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [command, ...args] = process.argv.slice(2);
  const done = command === 'build' && args.length === 3
    ? buildContainerImage(args[0]!, args[1]!, args[2]!).then((reference) => process.stdout.write(`${reference}\n`))
    : command === 'push' && args.length >= 1
      ? readFile('/dev/stdin', 'utf8').catch(() => '').then((password) => pushContainerImage(args[0]!, args[1] ? { username: args[1], password: password.trim() } : undefined))
      : Promise.reject(new Error('usage: ecs/image.ts build <bundle-dir> <repository> <tag> | push <repository>:<tag> [user (password on stdin)]'));
  done.catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
