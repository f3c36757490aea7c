import type Docker from 'dockerode';
import { PermanentError, errorMessage } from '../../core/errors';
import { daemonFault, daemonStatus, isUnreachable } from './daemon-errors';
import type { CredentialsProvider, PullPolicy } from './options';

/** What the driver needs from an image to build the command line. */
export interface ImageCommand {
  entrypoint: string[];
  cmd: string[];
  /** The image's `USER` (empty: root). */
  user: string;
}

/** An image that cannot be found or pulled: the step fails for good, naming the image. */
export class ImageUnavailableError extends PermanentError {}

export interface ImageStore {
  /** The image's command, after pulling it as the pull policy says. */
  ensure(image: string): Promise<ImageCommand>;
}

export function createImageStore(docker: Docker, settings: { socketPath: string; pullPolicy: PullPolicy; credentialsFor?: CredentialsProvider }): ImageStore {
  // Attempts that need the same image at once share one pull.
  const pulls = new Map<string, Promise<void>>();

  const inspect = async (image: string): Promise<ImageCommand | undefined> => {
    try {
      const info = await docker.getImage(image).inspect();
      return { entrypoint: asList(info.Config?.Entrypoint), cmd: asList(info.Config?.Cmd), user: info.Config?.User ?? '' };
    } catch (error) {
      if (daemonStatus(error) === 404) return undefined;
      throw daemonFault(settings.socketPath, `inspecting image ${image}`, error);
    }
  };

  const pull = (image: string): Promise<void> => {
    let pending = pulls.get(image);
    if (!pending) {
      pending = pullOnce(docker, image, settings).finally(() => pulls.delete(image));
      pulls.set(image, pending);
    }
    return pending;
  };

  return {
    async ensure(image) {
      if (settings.pullPolicy === 'always') await pull(image);
      let found = await inspect(image);
      if (!found && settings.pullPolicy === 'never') {
        throw new ImageUnavailableError(`image ${image} is not on this machine and the pull policy is "never": load it first or change the policy`);
      }
      if (!found) {
        await pull(image);
        found = await inspect(image);
      }
      if (!found) throw new ImageUnavailableError(`image ${image} is still missing after pulling it`);
      return found;
    },
  };
}

async function pullOnce(docker: Docker, image: string, settings: { socketPath: string; credentialsFor?: CredentialsProvider }): Promise<void> {
  let credentials;
  try {
    credentials = await settings.credentialsFor?.(image);
  } catch (error) {
    throw new ImageUnavailableError(`image ${image} cannot be pulled: no registry credentials: ${errorMessage(error)}`, { cause: error });
  }
  try {
    const stream = await docker.pull(image, credentials ? { authconfig: credentials } : {});
    await readPullProgress(stream);
  } catch (error) {
    if (isUnreachable(error)) throw daemonFault(settings.socketPath, `pulling image ${image}`, error);
    throw new ImageUnavailableError(`image ${image} cannot be pulled: ${errorMessage(error).trim()}`, { cause: error });
  }
}

/** Pull errors arrive inside the progress stream, as lines carrying `error`. */
function readPullProgress(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let failure: string | undefined;
    const scan = (final: boolean): void => {
      const lines = buffered.split('\n');
      buffered = final ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          const event = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
          failure ??= event.errorDetail?.message ?? event.error;
        } catch {
          // Not a progress line: nothing to learn from it.
        }
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      scan(false);
    });
    stream.on('error', reject);
    stream.on('end', () => {
      scan(true);
      if (failure === undefined) resolve();
      else reject(new Error(failure));
    });
  });
}

function asList(value: string | string[] | null | undefined): string[] {
  if (value === null || value === undefined || value === '') return [];
  return Array.isArray(value) ? value : [value];
}
