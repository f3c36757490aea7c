import Docker from 'dockerode';
import { errorMessage } from '../../core/errors';
import { defaultSocketPath } from './options';

export type DockerProbe = { available: true; version: string; apiVersion: string } | { available: false; reason: string };

/** Whether a Docker daemon answers on `socketPath`, within `timeoutMs`. Never throws. @default timeoutMs 1000 */
export async function probeDocker(socketPath: string = defaultSocketPath(), timeoutMs = 1000): Promise<DockerProbe> {
  const docker = new Docker({ socketPath, timeout: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const version = await Promise.race([docker.version(), deadline]);
    return { available: true, version: version.Version, apiVersion: version.ApiVersion };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no socket there' : code === 'ECONNREFUSED' ? 'nothing listens on it' : code === 'EACCES' ? 'permission denied' : errorMessage(error);
    return { available: false, reason: `no Docker daemon answers at ${socketPath}: ${why}` };
  } finally {
    clearTimeout(timer);
  }
}
