import type Docker from 'dockerode';
import { daemonFault } from './daemon-errors';
import { LABELS } from './labels';

/**
 * Remove Stepstack containers of this namespace left behind: those of `executorId` when given, else
 * those of every executor but `settings.executorId`. Resolves with how many were removed.
 */
export async function removeOrphans(
  docker: Docker, settings: { executorId: string; namespace: string; socketPath: string }, executorId?: string,
): Promise<number> {
  const label = executorId === undefined ? LABELS.executor : `${LABELS.executor}=${executorId}`;
  let found: Docker.ContainerInfo[];
  try {
    found = await docker.listContainers({ all: true, filters: { label: [label, `${LABELS.namespace}=${settings.namespace}`] } });
  } catch (error) {
    throw daemonFault(settings.socketPath, 'listing orphan containers', error);
  }
  const orphans = found.filter((info) => executorId !== undefined || info.Labels[LABELS.executor] !== settings.executorId);
  const removed = await Promise.all(orphans.map((info) =>
    docker.getContainer(info.Id).remove({ force: true }).then(() => true, (error: unknown) => {
      // Gone already (removed by its own driver meanwhile) is what we wanted.
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw daemonFault(settings.socketPath, `removing orphan container ${info.Id.slice(0, 12)}`, error);
    })));
  return removed.filter(Boolean).length;
}
