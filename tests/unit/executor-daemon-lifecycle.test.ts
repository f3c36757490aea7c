import { CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { silentLogger } from '../../core/ports/logger';
import { TARGET_LIFECYCLE_STATE_PATH, completeTermination, createImds, watchTermination } from '../../executor/lifecycle';

interface SeenRequest {
  method: string;
  path: string;
  token: string | null;
}

/** A stand-in for the instance metadata service that, like IMDSv2 with HttpTokens required, refuses reads without a token. */
function fakeImds(values: Record<string, string>) {
  const seen: SeenRequest[] = [];
  const fetch = (async (url: string | URL, init?: RequestInit) => {
    const path = new URL(String(url)).pathname;
    const headers = new Headers(init?.headers);
    const method = init?.method ?? 'GET';
    seen.push({ method, path, token: headers.get('x-aws-ec2-metadata-token') });
    if (method === 'PUT' && path === '/latest/api/token') return new Response('token-1');
    if (headers.get('x-aws-ec2-metadata-token') !== 'token-1') return new Response('', { status: 401 });
    const value = values[path];
    return value === undefined ? new Response('', { status: 404 }) : new Response(`${value}\n`);
  }) as typeof globalThis.fetch;
  return { fetch, seen, values };
}

describe('executor lifecycle', () => {
  it('reads metadata with an IMDSv2 session token, fetched once and reused', async () => {
    // Prepare
    const imds = fakeImds({ '/latest/meta-data/instance-id': 'i-0abc' });
    const metadata = createImds({ fetch: imds.fetch, baseUrl: 'http://imds.test' });

    // Act
    const first = await metadata.get('/latest/meta-data/instance-id');
    const second = await metadata.get('/latest/meta-data/instance-id');
    const missing = await metadata.get('/latest/meta-data/nothing-here');

    // Assess
    expect([first, second, missing]).toEqual(['i-0abc', 'i-0abc', undefined]);
    expect(imds.seen.filter((request) => request.method === 'PUT')).toHaveLength(1);
    expect(imds.seen.filter((request) => request.method === 'GET').every((request) => request.token === 'token-1')).toBe(true);
  });

  it('calls onTerminating once, when the target lifecycle state turns Terminated', async () => {
    // Prepare
    const imds = fakeImds({ [TARGET_LIFECYCLE_STATE_PATH]: 'InService' });
    let terminating = 0;
    const stop = watchTermination({
      metadata: createImds({ fetch: imds.fetch, baseUrl: 'http://imds.test' }),
      onTerminating: () => void (terminating += 1),
      logger: silentLogger,
      intervalMs: 10,
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const beforeScaleIn = terminating;

    // Act
    imds.values[TARGET_LIFECYCLE_STATE_PATH] = 'Terminated';
    await new Promise((resolve) => setTimeout(resolve, 60));
    stop();

    // Assess
    expect(beforeScaleIn).toBe(0);
    expect(terminating).toBe(1);
  });

  it('completes the lifecycle action with CONTINUE for this instance', async () => {
    // Prepare
    const imds = fakeImds({ '/latest/meta-data/instance-id': 'i-0abc' });
    const sent: unknown[] = [];
    const autoscaling = { send: async (command: unknown) => void sent.push(command) } as Parameters<typeof completeTermination>[0]['autoscaling'];

    // Act
    await completeTermination({
      autoscaling, groupName: 'stepstack-prod-executors', hookName: 'drain',
      metadata: createImds({ fetch: imds.fetch, baseUrl: 'http://imds.test' }),
    });

    // Assess
    expect(sent).toHaveLength(1);
    expect(sent[0]).toBeInstanceOf(CompleteLifecycleActionCommand);
    expect((sent[0] as CompleteLifecycleActionCommand).input).toEqual({
      AutoScalingGroupName: 'stepstack-prod-executors', LifecycleHookName: 'drain', InstanceId: 'i-0abc', LifecycleActionResult: 'CONTINUE',
    });
  });
});
