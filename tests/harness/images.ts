import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

/** A busybox userland (Debian's busybox-static) with `CMD ["/bin/sh"]`. */
export const BUSYBOX_IMAGE = 'stepstack-test/busybox:2';
/** examples/docker-step: `ENTRYPOINT ["/step.sh"]`, prints one JSON line. */
export const EXAMPLE_STEP_IMAGE = 'stepstack-test/example-step:2';

const EXAMPLE_DIR = join(__dirname, '..', '..', 'examples', 'docker-step');

/** Builds the test images with `docker import` (no registry is reachable here); skips tags that exist. */
export async function ensureTestImages(socketPath: string): Promise<void> {
  const docker = new Docker({ socketPath });
  const env = { ...process.env, DOCKER_HOST: `unix://${socketPath}` };
  if (!(await hasImage(docker, BUSYBOX_IMAGE))) {
    importBusybox(BUSYBOX_IMAGE, env);
  }
  if (!(await hasImage(docker, EXAMPLE_STEP_IMAGE))) {
    execFileSync(join(EXAMPLE_DIR, 'build-image.sh'), [EXAMPLE_STEP_IMAGE], { env, stdio: 'pipe' });
  }
}

/** The socket the harness chose; throws naming the fix when the tests run without global setup. */
export function testDockerSocket(): string {
  const socket = process.env.STEPSTACK_TEST_DOCKER_SOCKET;
  if (!socket) throw new Error('STEPSTACK_TEST_DOCKER_SOCKET is not set: run with `npx jest --selectProjects integration` so global setup starts Docker');
  return socket;
}

async function hasImage(docker: Docker, tag: string): Promise<boolean> {
  try {
    await docker.getImage(tag).inspect();
    return true;
  } catch {
    return false;
  }
}

/** A root filesystem of /bin/busybox and its applet links, imported as `tag`. */
function importBusybox(tag: string, env: NodeJS.ProcessEnv): void {
  const root = mkdtempSync(join(tmpdir(), 'stepstack-busybox-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    // mkdtemp makes / 0700: steps run as an unprivileged user, who must be able to read it.
    chmodSync(root, 0o755);
    chmodSync(join(root, 'tmp'), 0o1777);
    copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
    const applets = execFileSync('/bin/busybox', ['--list'], { encoding: 'utf8' }).split('\n').filter((name) => name !== '' && name !== 'busybox');
    for (const applet of applets) symlinkSync('busybox', join(root, 'bin', applet));
    execFileSync('sh', ['-c', `tar -C "$0" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$1"`, root, tag], { env, stdio: 'pipe' });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
