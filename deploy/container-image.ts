import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { DescribeImagesCommand, DescribeRepositoriesCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { buildContainerImage, pushContainerImage } from '../ecs/image';

/** The architecture of the image this machine builds (its own node), as ECS's RuntimePlatform names it. */
export const imageArchitecture = (): 'ARM64' | 'X86_64' => (process.arch === 'arm64' ? 'ARM64' : 'X86_64');

/**
 * Container mode at deploy: build the image from the packaged executor bundle and push it to the
 * stack's repository under the bundle's SHA-256, unless that tag is there already. The repository
 * exists in every mode; a first deploy straight into container mode is refused with the way out.
 */
export async function pushStageImage(config: Record<string, unknown>, repositoryName: string, bundleArchive: string, sha256: string): Promise<string> {
  const ecr = new ECRClient(config);
  try {
    const repositories = await ecr.send(new DescribeRepositoriesCommand({ repositoryNames: [repositoryName] })).catch((error: { name?: string }) => {
      if (error.name === 'RepositoryNotFoundException') return undefined;
      throw error;
    });
    const uri = repositories?.repositories?.[0]?.repositoryUri;
    if (!uri) throw new Error(`the ECR repository ${repositoryName} does not exist yet: deploy once with containerMode 'false' (it creates the repository), then with 'true'`);
    const present = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag: sha256 }] })).then(() => true, (error: { name?: string }) => {
      if (error.name === 'ImageNotFoundException') return false;
      throw error;
    });
    const reference = `${uri}:${sha256}`;
    if (present) return reference;
    const token = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error('ECR gave no authorization token');
    const [username, password] = Buffer.from(token, 'base64').toString('utf8').split(':') as [string, string];
    const dir = await mkdtemp(path.join(tmpdir(), 'stepstack-image-bundle-'));
    try {
      await mkdir(path.join(dir, 'executor'));
      await promisify(execFile)('tar', ['-xzf', bundleArchive, '-C', path.join(dir, 'executor')]);
      await buildContainerImage(path.join(dir, 'executor'), uri, sha256);
      await pushContainerImage(reference, { username, password });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    return reference;
  } finally {
    ecr.destroy();
  }
}
