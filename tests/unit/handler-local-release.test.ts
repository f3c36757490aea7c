import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lazy } from '../../platform/lazy';
import { releaseWhenLocal } from '../../lambda/local-release';

describe('handler plumbing', () => {
  it('releases connections after an invocation under `invoke local` only, also when it failed', async () => {
    // Prepare
    const released: string[] = [];
    const wrap = (env: NodeJS.ProcessEnv, fail: boolean) =>
      middy(async () => {
        if (fail) throw new Error('handler failed');
        return 'ok';
      }).use(releaseWhenLocal(async () => void released.push(`${env.IS_LOCAL ?? 'lambda'}:${fail}`), env));

    // Act
    await wrap({}, false)({}, {} as Context);
    await wrap({ IS_LOCAL: 'true' }, false)({}, {} as Context);
    const failed = await wrap({ IS_LOCAL: 'true' }, true)({}, {} as Context).catch((error: Error) => error.message);

    // Assess
    expect(released).toEqual(['true:false', 'true:true']);
    expect(failed).toBe('handler failed');
  });

  it('builds lazily: nothing before the first call, once after it, again after a failed build', () => {
    // Prepare
    let builds = 0;
    const value = lazy(() => {
      builds += 1;
      if (builds === 1) throw new Error('redis unreachable');
      return { builds };
    });

    // Act
    const before = value.peek();
    const firstTry = (() => { try { return value(); } catch (error) { return (error as Error).message; } })();
    const second = value();
    const third = value();

    // Assess
    expect(before).toBeUndefined();
    expect(firstTry).toBe('redis unreachable');
    expect(second).toBe(third);
    expect(builds).toBe(2);
  });
});
