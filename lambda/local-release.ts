import type middy from '@middy/core';

/**
 * `serverless invoke local` (which sets IS_LOCAL) runs one invocation per process and waits for its
 * event loop to empty, so an open Redis connection would hold it forever. On Lambda the process is
 * frozen between invocations instead, and connections are kept for the next one.
 */
export function releaseWhenLocal(release: () => Promise<void>, env: NodeJS.ProcessEnv = process.env): middy.MiddlewareObj {
  const releaseIfLocal = async (): Promise<void> => {
    if (env.IS_LOCAL === 'true') await release();
  };
  return { after: releaseIfLocal, onError: releaseIfLocal };
}
