import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeDocker } from '../../adapters/docker/probe';
import type { StartedServer } from './server';

/** The env var that tells the tests (and this harness) which daemon socket to use. */
export const DOCKER_SOCKET_ENV = 'STEPSTACK_TEST_DOCKER_SOCKET';
const READY_WITHIN_MS = 30_000;
const STOP_WITHIN_MS = 15_000;

/**
 * A Docker daemon for the tests: the one at STEPSTACK_TEST_DOCKER_SOCKET or /var/run/docker.sock
 * when it answers; else a private `dockerd` (own socket, data and exec roots in a temp dir, vfs
 * storage, no bridge, no iptables) that `stop()` ends and deletes. Nothing else is touched.
 */
export async function startDocker(): Promise<StartedServer> {
  for (const socket of [process.env[DOCKER_SOCKET_ENV], '/var/run/docker.sock']) {
    if (socket && (await probeDocker(socket)).available) return { name: 'docker', env: { [DOCKER_SOCKET_ENV]: socket }, stop: async () => {} };
  }
  return startPrivateDockerd();
}

async function startPrivateDockerd(): Promise<StartedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'stepstack-dockerd-'));
  const socket = join(dir, 'docker.sock');
  const logPath = join(dir, 'dockerd.log');
  const log = openSync(logPath, 'a');
  const daemon = spawn('dockerd', [
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs',
    '--host', `unix://${socket}`, '--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'dockerd.pid'),
  ], { stdio: ['ignore', log, log], detached: true });
  daemon.unref();
  let exited: string | undefined;
  daemon.on('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });
  daemon.on('error', (error) => { exited = `could not start: ${error.message}`; });

  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (exited !== undefined) break;
    if ((await probeDocker(socket, 500)).available) break;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stop = () => stopDockerd(daemon.pid, dir);
  if (exited !== undefined || !(await probeDocker(socket, 500)).available) {
    const tail = readTail(logPath);
    await stop();
    throw new Error(`dockerd did not answer on ${socket} within ${READY_WITHIN_MS / 1000}s (${exited ?? 'still running'}). `
      + `It needs root and cgroups; or set ${DOCKER_SOCKET_ENV} to a running daemon's socket. Log tail:\n${tail}`);
  }
  return { name: 'docker', env: { [DOCKER_SOCKET_ENV]: socket }, stop };
}

async function stopDockerd(pid: number | undefined, dir: string): Promise<void> {
  const containerdPid = readPid(join(dir, 'exec', 'containerd', 'containerd.pid'));
  if (pid !== undefined && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + STOP_WITHIN_MS;
    while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  // dockerd ends the containerd it started; after a SIGKILL that is left to us.
  if (containerdPid !== undefined && alive(containerdPid)) process.kill(containerdPid, 'SIGKILL');
  // dockerd leaves its network namespace (exec/netns/default) bind-mounted; rm fails with EBUSY
  // until it is unmounted.
  for (const mountPoint of mountsUnder(dir)) spawnSync('umount', ['--lazy', mountPoint], { stdio: 'ignore' });
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    // A leftover temp dir must not fail a run whose tests all passed.
    console.warn(`stepstack tests: could not delete ${dir}: ${(error as Error).message}`);
  }
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
function mountsUnder(dir: string): string[] {
  let table: string;
  try {
    table = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const points = table.split('\n')
    .map((line) => line.split(' ')[4])
    .filter((point): point is string => point !== undefined && (point === dir || point.startsWith(`${dir}/`)));
  return points.sort((a, b) => b.length - a.length);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function readTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
