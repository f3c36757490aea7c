import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { PermanentError, PlatformError, errorMessage } from '../../core/errors';
import { CappedBuffer } from './capped-buffer';
import { daemonFault, daemonStatus, isUnreachable } from './daemon-errors';

/** How one container ended, with what it printed. */
export interface ContainerResult {
  exitCode: number;
  oomKilled: boolean;
  /** Why Stepstack killed it, if it did. */
  killedFor?: 'timeout' | 'stdout-limit';
  stdout: string;
  stdoutBytes: number;
  stderr: string;
}

/** The daemon refused the step's settings (a missing executable, a bad limit): retrying cannot help. */
export class ContainerConfigError extends PermanentError {}

export interface RunSettings {
  inputJson: string;
  timeoutMs: number;
  signal: AbortSignal;
  maxStdoutBytes: number;
  maxStderrBytes: number;
  socketPath: string;
}

/** 128 + SIGKILL. */
const SIGKILL_EXIT = 137;
/** Waiting for the attach stream to drain after the container exited. */
const DRAIN_MS = 2000;

/**
 * One container, start to end: create, attach, start, feed stdin, wait, remove. Throws
 * PlatformError when the daemon fails or the signal aborts (the container is killed and removed).
 */
export async function runContainer(docker: Docker, spec: Docker.ContainerCreateOptions, settings: RunSettings): Promise<ContainerResult> {
  const fault = (doing: string, error: unknown): Error => classify(settings.socketPath, doing, error);
  abortCheck(settings.signal);
  let container: Docker.Container;
  try {
    container = await docker.createContainer(spec);
  } catch (error) {
    throw fault('creating a container', error);
  }
  try {
    return await attachAndRun(docker, container, settings, fault);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

async function attachAndRun(
  docker: Docker, container: Docker.Container, settings: RunSettings, fault: (doing: string, error: unknown) => Error,
): Promise<ContainerResult> {
  let stream: Duplex;
  try {
    stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
  } catch (error) {
    throw fault('attaching to a container', error);
  }
  let killedFor: ContainerResult['killedFor'] | 'abort';
  const kill = (reason: NonNullable<typeof killedFor>): void => {
    if (killedFor) return;
    killedFor = reason;
    container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
  };
  const stdout = new CappedBuffer(settings.maxStdoutBytes, 'head', () => kill('stdout-limit'));
  const stderr = new CappedBuffer(settings.maxStderrBytes, 'tail');
  const drained = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    // A container that exits without reading its stdin breaks the pipe: its output still counts.
    stream.on('error', () => resolve());
  });
  docker.modem.demuxStream(stream, stdout, stderr);

  const onAbort = (): void => kill('abort');
  let timer: NodeJS.Timeout | undefined;
  try {
    abortCheck(settings.signal);
    try {
      await container.start();
    } catch (error) {
      throw fault('starting a container', error);
    }
    stream.end(settings.inputJson);
    timer = setTimeout(() => kill('timeout'), settings.timeoutMs);
    settings.signal.addEventListener('abort', onAbort, { once: true });
    if (settings.signal.aborted) onAbort();

    let exitCode: number;
    try {
      // Asked after start: `not-running` cannot miss an exit that already happened.
      exitCode = (await container.wait({ condition: 'not-running' }) as { StatusCode: number }).StatusCode;
    } catch (error) {
      throw fault('waiting for a container', error);
    }
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    if (killedFor === 'abort') throw new PlatformError('step aborted: its container was killed');
    const oomKilled = exitCode !== 0 && (await wasOomKilled(container));
    // A container that ended on its own just as its time ran out did not time out (SIGKILL gives 137).
    const reported = killedFor === 'timeout' && exitCode !== SIGKILL_EXIT ? undefined : killedFor;
    return { exitCode, oomKilled, killedFor: reported, stdout: stdout.text(), stdoutBytes: stdout.total, stderr: stderr.text() };
  } finally {
    clearTimeout(timer);
    settings.signal.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

async function wasOomKilled(container: Docker.Container): Promise<boolean> {
  try {
    return (await container.inspect()).State.OOMKilled === true;
  } catch {
    return false;
  }
}

function abortCheck(signal: AbortSignal): void {
  if (signal.aborted) throw new PlatformError('step aborted before its container started');
}

/** The daemon answered no to the step's own settings (permanent) or failed itself (platform). */
function classify(socketPath: string, doing: string, error: unknown): Error {
  if (isUnreachable(error)) return daemonFault(socketPath, doing, error);
  const status = daemonStatus(error);
  const message = errorMessage(error);
  const refusedSettings = status === 400 || /executable file not found|no such file or directory|permission denied/i.test(message);
  if (refusedSettings) return new ContainerConfigError(`the daemon refused the step's container while ${doing}: ${message.trim()}`, { cause: error });
  return daemonFault(socketPath, doing, error);
}
