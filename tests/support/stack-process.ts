import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port';

/** `npm start`'s entry point as a child process that a test can SIGKILL and start again. */
export class StackProcess {
  private child?: ChildProcess;
  private log = '';
  readonly url: string;

  private constructor(private readonly port: number, private readonly env: Record<string, string>) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(env: Record<string, string>): Promise<StackProcess> {
    return new StackProcess(await freePort(), env);
  }

  async start(): Promise<void> {
    const root = join(__dirname, '..', '..');
    this.child = spawn(process.execPath, ['--import', 'tsx', join(root, 'local', 'main.ts')], {
      cwd: root,
      env: { ...process.env, PORT: String(this.port), EXAMPLES_PORT: '0', ...this.env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => { this.log = (this.log + chunk.toString()).slice(-8000); });
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`stack exited with ${this.child.exitCode}: ${this.log}`);
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`stack did not answer /health in 20 s: ${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Kill without warning, as a crash or an instance loss would. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  /** The process's peak resident memory so far (Linux). */
  peakRssMiB(): number {
    const status = readFileSync(`/proc/${this.child?.pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  }

  logTail(): string {
    return this.log;
  }
}
