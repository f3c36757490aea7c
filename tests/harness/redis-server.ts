import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port';

const run = promisify(execFile);

export interface SpawnedRedisServer {
  /** `redis://[:password@]127.0.0.1:port`, or `rediss://...` with `tls` */
  url: string;
  /** With `tls`: the PEM certificate clients must trust (self-signed for 127.0.0.1). */
  ca?: string;
  port: number;
  /** Where the server keeps its files (the append-only file when on). */
  dir: string;
  /** Stop the server (SIGTERM), wait for it to exit, and remove its folder if this harness made it. */
  stop(): Promise<void>;
  /** Send `signal` and wait for the exit; the folder stays, so that `restart` reloads its data. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Stop the server if it runs and start it again on the same port and folder. */
  restart(): Promise<void>;
}

export interface SpawnRedisOptions {
  /** @default a free port */
  port?: number;
  /** Keep an append-only file (fsync every second), so that a restart keeps the data. @default false */
  appendonly?: boolean;
  /** @default a new temporary folder, removed by `stop` */
  dir?: string;
  /** Require AUTH with this password (requirepass). @default none */
  password?: string;
  /**
   * Run in cluster mode as a one-node cluster that owns every slot: it refuses, as ElastiCache in
   * cluster mode does, any command or script whose keys hash to more than one slot. @default false
   */
  cluster?: boolean;
  /** Accept only TLS connections, with a self-signed certificate for 127.0.0.1. @default false */
  tls?: boolean;
}

const READY_TIMEOUT_MS = 10_000;

/** Debian's `redis-server` on loopback, without snapshots, for tests that need a server of their own. */
export async function spawnRedisServer(options: SpawnRedisOptions = {}): Promise<SpawnedRedisServer> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'stepstack-redis-')));
  if (options.tls && options.cluster) throw new Error('spawnRedisServer: tls and cluster together are not supported');
  const ca = options.tls ? await makeCertificate(dir) : undefined;
  const args = [
    ...(ca ? ['--port', '0', '--tls-port', String(port), ...ca.args] : ['--port', String(port)]), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no',
    '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'everysec',
    ...(options.password ? ['--requirepass', options.password] : []),
    // The cluster bus defaults to port + 10000, which may be taken or past 65535: pick a free one.
    ...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-port', String(await freePort()),
      // Without it a lone node reports an empty address in CLUSTER SLOTS, and clients cannot find it.
      '--cluster-announce-ip', '127.0.0.1'] : []),
  ];
  let child = await startChild(args);
  if (options.cluster) await ownAllSlots(port, options.password);
  const kill = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    await exited;
  };
  return {
    ...(ca ? { ca: ca.pem } : {}),
    url: `${ca ? 'rediss' : 'redis'}://${options.password ? `:${encodeURIComponent(options.password)}@` : ''}127.0.0.1:${port}`,
    port,
    dir,
    kill,
    async restart() {
      await kill();
      child = await startChild(args);
      // nodes.conf keeps the slots: wait until the cluster says it is ok again.
      if (options.cluster) await ownAllSlots(port, options.password);
    },
    async stop() {
      await kill();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Start the server and wait for its log to say it accepts connections (after loading its data). */
async function startChild(args: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`redis-server was not ready within ${READY_TIMEOUT_MS} ms: ${log}`)), READY_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
        if (/ready to accept connections/i.test(log)) {
          clearTimeout(timeout);
          resolve();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        log += chunk.toString();
      });
      child.once('error', (error) => {
        clearTimeout(timeout);
        reject(error);
      });
      child.once('exit', (code) => {
        clearTimeout(timeout);
        reject(new Error(`redis-server exited with code ${code} before it was ready: ${log}`));
      });
    });
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  // Keep draining its output (a full pipe would block the server), without keeping it.
  for (const stream of [child.stdout, child.stderr]) {
    stream?.removeAllListeners('data');
    stream?.resume();
  }
  return child;
}

/** Give a one-node cluster every slot (unless it has them) and wait until it reports `cluster_state:ok`. */
async function ownAllSlots(port: number, password: string | undefined): Promise<void> {
  const cli = (...args: string[]) => run('redis-cli', ['-p', String(port), ...(password ? ['--no-auth-warning', '-a', password] : []), ...args]);
  const info = async () => (await cli('CLUSTER', 'INFO')).stdout;
  if (/cluster_slots_assigned:0\b/.test(await info())) await cli('CLUSTER', 'ADDSLOTSRANGE', '0', '16383');
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!/cluster_state:ok/.test(await info())) {
    if (Date.now() > deadline) throw new Error(`redis cluster on port ${port} did not reach cluster_state:ok`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A self-signed certificate for 127.0.0.1 in `dir`, and the redis-server arguments that serve it. */
async function makeCertificate(dir: string): Promise<{ pem: string; args: string[] }> {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]);
  const args = ['--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no'];
  return { pem: await readFile(cert, 'utf8'), args };
}
