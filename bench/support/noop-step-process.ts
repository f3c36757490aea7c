import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';

/** The no-op step server of noop-step-server.ts in a process of its own, seen from the bench. */
export interface NoopStepProcess {
  url: string;
  /** Steps done, as last reported (reports are coalesced per turn of the server's event loop). */
  stepsDone(): number;
  /** Resolves once `total` steps are done in all. */
  whenDone(total: number): Promise<void>;
  /** Resolves once `count` steps of run `runId` are done. */
  whenRunDone(runId: string, count: number): Promise<void>;
  /** Gaps in ms between the end of a step and the start of the next one of its run, so far. */
  gaps(): Promise<number[]>;
  /** The step process's own CPU time so far, in µs (user + system). */
  cpuMicros(): Promise<number>;
  close(): Promise<void>;
}

type Report =
  | { type: 'ready'; url: string } | { type: 'done'; count: number } | { type: 'gaps'; gaps: number[] }
  | { type: 'runDone'; runId: string } | { type: 'cpu'; micros: number };

/**
 * Starts the no-op step server in a child process, as step servers are in a deployment: the bench
 * process then pays the HTTP client's side of each step only, not the server's too.
 */
export function startNoopStepProcess(): Promise<NoopStepProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'noop-step-process-main.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let done = 0;
  const waiters: { total: number; resolve: () => void }[] = [];
  const gapRequests: ((gaps: number[]) => void)[] = [];
  const cpuRequests: ((micros: number) => void)[] = [];
  const runWaiters = new Map<string, () => void>();
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the no-op step process exited with ${code}`)));
    child.on('message', (report: Report) => {
      if (report.type === 'done') {
        done = report.count;
        for (let i = waiters.length - 1; i >= 0; i -= 1) if (done >= waiters[i]!.total) waiters.splice(i, 1)[0]!.resolve();
      } else if (report.type === 'gaps') gapRequests.shift()?.(report.gaps);
      else if (report.type === 'cpu') cpuRequests.shift()?.(report.micros);
      else if (report.type === 'runDone') {
        runWaiters.get(report.runId)?.();
        runWaiters.delete(report.runId);
      }
      else {
        resolve({
          url: report.url,
          stepsDone: () => done,
          whenDone: (total) => new Promise((whenDone) => {
            if (done >= total) whenDone();
            else waiters.push({ total, resolve: whenDone });
          }),
          whenRunDone: (runId, count) => new Promise((whenDone) => {
            runWaiters.set(runId, whenDone);
            child.send({ type: 'watch', runId, count });
          }),
          gaps: () => new Promise((answer) => {
            gapRequests.push(answer);
            child.send({ type: 'gaps' });
          }),
          cpuMicros: () => new Promise((answer) => {
            cpuRequests.push(answer);
            child.send({ type: 'cpu' });
          }),
          close: () => new Promise((closed) => {
            child.removeAllListeners('exit');
            child.once('exit', () => closed());
            child.kill('SIGTERM');
          }),
        });
      }
    });
  });
}
