import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StartedServer } from './server';

/** fauxqs ships ESM only, behind an `import`-only export: load its entry by path with a native import(). */
const FAUXQS_ENTRY = path.resolve(__dirname, '../../node_modules/fauxqs/dist/app.js');
const ENDPOINT_ENV = 'STEPSTACK_TEST_SQS_ENDPOINT';

interface Fauxqs {
  port: number;
  stop(): Promise<void>;
}

// A Function keeps swc from rewriting import() into require(), which the package's exports refuse.
const importNative = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<{
  startFauxqs(options: { port: number; logger: boolean; host?: string }): Promise<Fauxqs>;
}>;

/** An SQS-compatible server (fauxqs) in this process, unless STEPSTACK_TEST_SQS_ENDPOINT already names one. */
export async function startSqs(): Promise<StartedServer> {
  if (process.env[ENDPOINT_ENV]) return { name: 'sqs', env: {}, stop: async () => {} };
  const { startFauxqs } = await importNative(pathToFileURL(FAUXQS_ENTRY).href);
  const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  return { name: 'sqs', env: { [ENDPOINT_ENV]: `http://127.0.0.1:${server.port}` }, stop: () => server.stop() };
}

export interface SpawnedSqsServer {
  endpoint: string;
  /** Stop the child process and wait for it to exit. */
  stop(): Promise<void>;
}

const CHILD_SCRIPT = `
const { startFauxqs } = await import(process.argv[1]);
const server = await startFauxqs({ port: Number(process.argv[2]), logger: false, host: '127.0.0.1' });
process.stdout.write('READY ' + server.port + '\\n');
const stop = () => server.stop().finally(() => process.exit(0));
process.on('SIGTERM', stop);
// The parent went away: do not outlive it.
process.stdin.on('end', stop);
process.stdin.resume();
`;

/** fauxqs in a child process, for tests that kill and restart the stack while the SQS server stays up. */
export async function spawnSqsServer(options: { port?: number } = {}): Promise<SpawnedSqsServer> {
  const child = spawn(process.execPath, ['--input-type=module', '--no-warnings', '-e', CHILD_SCRIPT, pathToFileURL(FAUXQS_ENTRY).href, String(options.port ?? 0)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timeout = setTimeout(() => reject(new Error('fauxqs did not start within 10 s')), 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\d+)/.exec(output);
      if (match) {
        clearTimeout(timeout);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timeout);
      reject(new Error(`fauxqs exited with code ${code} before it was ready: ${output}`));
    });
  }).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
