import Docker from 'dockerode';
import { PermanentError, PlatformError, errorMessage } from '../../core/errors';
import type { DockerRuntime } from '../../core/functions/definition';
import type { Driver, StepOutcome, StepRequest } from '../../core/ports/driver';
import { stepInputJson } from '../../core/run/step-input-json';
import { containerSpec, hasCommand, type ContainerLimits } from './container-spec';
import { createImageStore } from './image';
import { createLimiter } from './limiter';
import { parseMemory } from '../../core/memory';
import { resolveOptions, type DockerDriverOptions, type ResolvedOptions } from './options';
import { removeOrphans } from './orphans';
import { toOutcome } from './outcome';
import { runContainer } from './run-container';

/** The Docker driver, plus the housekeeping an executor does with it. */
export interface DockerDriver extends Driver {
  readonly type: 'docker';
  /**
   * Remove containers that earlier executor processes left behind: those of `executorId` when
   * given, else every Stepstack container not owned by this driver. Resolves with how many.
   */
  removeOrphans(executorId?: string): Promise<number>;
  /** Containers running now through this driver. */
  readonly running: number;
}

/** Runs docker steps as containers, one per attempt (SPEC section 4). Throws on bad options, naming the fix. */
export function createDockerDriver(options: DockerDriverOptions, docker?: Docker): DockerDriver {
  const settings = resolveOptions(options);
  const client = docker ?? new Docker({ socketPath: settings.socketPath });
  const images = createImageStore(client, settings);
  const limiter = createLimiter(settings.maxConcurrent);

  const runDocker = async (request: StepRequest, runtime: DockerRuntime): Promise<StepOutcome> => {
    const memory = runtime.memory ?? settings.defaults.memory;
    let limits: ContainerLimits;
    try {
      limits = stepLimits(runtime, settings);
    } catch (error) {
      return { kind: 'failure', retryable: false, error: errorMessage(error) };
    }
    const command = await images.ensure(runtime.image);
    if (!hasCommand(runtime, command)) {
      return { kind: 'failure', retryable: false, error: `image ${runtime.image} has no ENTRYPOINT or CMD and the step sets no entrypoint: nothing to run` };
    }
    const inputJson = stepInputJson(request.input, request.stepsJson);
    const spec = containerSpec({ runtime, command, input: request.input, inputJson, limits, options: settings });
    const result = await limiter.run(() => runContainer(client, spec, {
      inputJson,
      timeoutMs: request.timeoutMs,
      signal: request.signal,
      maxStdoutBytes: settings.maxStdoutBytes,
      maxStderrBytes: settings.maxStderrBytes,
      socketPath: settings.socketPath,
    }), request.signal);
    return toOutcome(result, { timeoutMs: request.timeoutMs, memory, maxStdoutBytes: settings.maxStdoutBytes });
  };

  return {
    type: 'docker',
    get running() {
      return limiter.active;
    },
    async run(request) {
      const runtime = request.runtime;
      if (runtime.type !== 'docker') return { kind: 'failure', retryable: false, error: `the docker driver cannot run a ${runtime.type} step` };
      try {
        return await runDocker(request, runtime);
      } catch (error) {
        if (error instanceof PermanentError) return { kind: 'failure', retryable: false, error: error.message };
        if (error instanceof PlatformError) throw error;
        throw new PlatformError(`docker driver: ${errorMessage(error)}`, { cause: error });
      }
    },
    removeOrphans: (executorId) => removeOrphans(client, settings, executorId),
  };
}

/** The step's limits, the stage's defaults filling in; a step over a maximum fails for good, naming it. */
function stepLimits(runtime: DockerRuntime, settings: ResolvedOptions): ContainerLimits {
  const { defaults, maximums } = settings;
  const memory = runtime.memory ?? defaults.memory;
  const cpus = runtime.cpus ?? defaults.cpus;
  if (!(typeof cpus === 'number' && cpus > 0)) throw new Error(`cpus ${String(cpus)} is not a number above 0: write e.g. 0.5 or 2`);
  const memoryBytes = parseMemory(memory);
  if (memoryBytes > parseMemory(maximums.memory)) {
    throw new Error(`memory ${memory} is over this stage's maximum of ${maximums.memory} (the Docker driver's maximums.memory): ask for less, or raise the maximum`);
  }
  if (cpus > maximums.cpus) {
    throw new Error(`cpus ${cpus} is over this stage's maximum of ${maximums.cpus} (the Docker driver's maximums.cpus): ask for less, or raise the maximum`);
  }
  return { memoryBytes, cpus, pids: defaults.pids };
}
