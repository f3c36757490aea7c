import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/** The executor bundle of one package: its file in the package, its key in the deployment bucket, its SHA-256. */
export interface ExecutorArtifact {
  file: string;
  key: string;
  sha256: string;
}

/**
 * Content-addressed, beside the deployments' own folders (`<prefix>/<service>/<stage>/<timestamp>/`)
 * that Serverless prunes, so the bundle of an older launch template version stays for a rollback.
 */
export function executorArtifactKey(prefix: string, service: string, stage: string, sha256: string): string {
  return `${prefix}/${service}/${stage}/executor/${sha256}.tgz`;
}

interface S3Module {
  S3Client: new (config: Record<string, unknown>) => { send(command: unknown): Promise<unknown>; destroy(): void };
  HeadObjectCommand: new (input: Record<string, unknown>) => unknown;
  PutObjectCommand: new (input: Record<string, unknown>) => unknown;
}

/** Upload the bundle unless the bucket has it already (same key, same bytes). Answers whether it uploaded. */
export async function uploadExecutorBundle(config: Record<string, unknown>, bucket: string, artifact: ExecutorArtifact, file: string): Promise<boolean> {
  // The S3 client osls itself deploys with (and the credentials it resolved).
  const s3Module = createRequire(require.resolve('osls/package.json'))('@aws-sdk/client-s3') as S3Module;
  const s3 = new s3Module.S3Client(config);
  try {
    const present = await s3.send(new s3Module.HeadObjectCommand({ Bucket: bucket, Key: artifact.key })).then(() => true, (error: { name?: string }) => {
      if (error.name === 'NotFound') return false;
      throw error;
    });
    if (present) return false;
    await s3.send(new s3Module.PutObjectCommand({
      Bucket: bucket,
      Key: artifact.key,
      Body: await readFile(file),
      ContentType: 'application/gzip',
      ChecksumSHA256: Buffer.from(artifact.sha256, 'hex').toString('base64'),
      ServerSideEncryption: 'AES256',
    }));
    return true;
  } finally {
    s3.destroy();
  }
}
