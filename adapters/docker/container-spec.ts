import type Docker from 'dockerode';
import type { DockerRuntime } from '../../core/functions/definition';
import type { StepInput } from '../../core/ports/driver';
import type { ImageCommand } from './image';
import { LABELS } from './labels';
import { NON_ROOT_USER, type ResolvedOptions } from './options';

/** The kernel's limit on one argument (MAX_ARG_STRLEN, 32 pages), terminating NUL included. */
export const MAX_ARGUMENT_BYTES = 128 * 1024;

export interface ContainerLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
}

/**
 * How to create the container of one attempt: the input as the last argument when it fits, the
 * image's command otherwise kept, and the locked-down host settings (never privileged, no mounts).
 */
export function containerSpec(args: {
  runtime: DockerRuntime;
  command: ImageCommand;
  input: StepInput;
  inputJson: string;
  limits: ContainerLimits;
  options: ResolvedOptions;
}): Docker.ContainerCreateOptions {
  const { runtime, command, input, inputJson, limits, options } = args;
  // A step's entrypoint replaces the image's entrypoint and command, as `docker run --entrypoint` does.
  const entrypoint = runtime.entrypoint ?? command.entrypoint;
  const cmd = runtime.entrypoint ? [] : command.cmd;
  const fitsArgument = Buffer.byteLength(inputJson) < MAX_ARGUMENT_BYTES;
  const runAsNobody = !options.allowRoot && isRootUser(command.user);
  return {
    Image: runtime.image,
    ...(runAsNobody ? { User: NON_ROOT_USER } : {}),
    ...(runtime.entrypoint ? { Entrypoint: entrypoint } : {}),
    Cmd: fitsArgument ? [...cmd, inputJson] : cmd,
    Env: Object.entries(runtime.env ?? {}).map(([name, value]) => `${name}=${value}`),
    Labels: {
      [LABELS.run]: input.ctx.run_id,
      [LABELS.step]: input.ctx.step_id,
      [LABELS.attempt]: String(input.ctx.attempt),
      [LABELS.executor]: options.executorId,
    },
    Tty: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    NetworkDisabled: options.network === 'none',
    HostConfig: {
      NetworkMode: options.network,
      Privileged: false,
      Binds: [],
      Mounts: [],
      SecurityOpt: ['no-new-privileges'],
      CapDrop: options.dropCapabilities ? ['ALL'] : [],
      PidsLimit: limits.pids,
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      // Output is captured through the attach stream; a log file would only copy it to disk.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
    },
  };
}

/** True when the command has something to run. */
export function hasCommand(runtime: DockerRuntime, command: ImageCommand): boolean {
  return (runtime.entrypoint ?? []).length > 0 || command.entrypoint.length > 0 || command.cmd.length > 0;
}

/** An image user that is root: unset, `root` or uid 0, with or without a group. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]?.trim() ?? '';
  return name === '' || name === 'root' || name === '0';
}
