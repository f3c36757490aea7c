import { type AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { errorMessage } from '../core/errors';
import type { Logger } from '../core/ports/logger';

/** Reads the instance metadata service (IMDSv2: a session token first, then reads with it). */
export interface InstanceMetadata {
  /** The text at `path` (e.g. `/latest/meta-data/instance-id`); undefined on 404. */
  get(path: string): Promise<string | undefined>;
}

export interface ImdsOptions {
  /** @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** @default 'http://169.254.169.254' */
  baseUrl?: string;
  /** Lifetime asked for a session token. @default 21_600 (6 h, the most IMDS gives) */
  tokenTtlSeconds?: number;
  /** @default Date.now */
  now?: () => number;
}

/** An IMDSv2 client: the launch template requires tokens (HttpTokens: required), so plain GETs would get 401. */
export function createImds(options: ImdsOptions = {}): InstanceMetadata {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const baseUrl = options.baseUrl ?? 'http://169.254.169.254';
  const ttlSeconds = options.tokenTtlSeconds ?? 21_600;
  const now = options.now ?? Date.now;
  let token: { value: string; renewAt: number } | undefined;

  const sessionToken = async (): Promise<string> => {
    if (token && now() < token.renewAt) return token.value;
    const response = await fetchImpl(`${baseUrl}/latest/api/token`, {
      method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': String(ttlSeconds) }, signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) throw new Error(`IMDS token: HTTP ${response.status}`);
    // Renew well before expiry so a read never carries a token that lapses on the way.
    token = { value: await response.text(), renewAt: now() + (ttlSeconds * 1000) / 2 };
    return token.value;
  };

  return {
    async get(path) {
      const response = await fetchImpl(`${baseUrl}${path}`, {
        headers: { 'X-aws-ec2-metadata-token': await sessionToken() }, signal: AbortSignal.timeout(2000),
      });
      if (response.status === 404) return undefined;
      if (!response.ok) throw new Error(`IMDS ${path}: HTTP ${response.status}`);
      return (await response.text()).trim();
    },
  };
}

export const TARGET_LIFECYCLE_STATE_PATH = '/latest/meta-data/autoscaling/target-lifecycle-state';

export interface TerminationWatchOptions {
  metadata: InstanceMetadata;
  /** Called once, when the auto-scaling group has decided to terminate this instance. */
  onTerminating(): void;
  logger: Logger;
  /** @default 5000 */
  intervalMs?: number;
}

/**
 * Poll the instance's target lifecycle state: it reads `Terminated` once the group moved the instance
 * to Terminating:Wait (the termination lifecycle hook holds it there until the daemon has drained).
 * Returns a function that stops polling.
 */
export function watchTermination(options: TerminationWatchOptions): () => void {
  let done = false;
  const poll = async (): Promise<void> => {
    try {
      const state = await options.metadata.get(TARGET_LIFECYCLE_STATE_PATH);
      if (state === 'Terminated' && !done) {
        done = true;
        clearInterval(timer);
        options.onTerminating();
      }
    } catch (error) {
      options.logger.warn('lifecycle state unreadable', { error: errorMessage(error) });
    }
  };
  const timer = setInterval(() => void poll(), options.intervalMs ?? 5000);
  timer.unref();
  void poll();
  return () => {
    done = true;
    clearInterval(timer);
  };
}

export interface LifecycleCompletion {
  autoscaling: Pick<AutoScalingClient, 'send'>;
  /** The group's name (ASG_NAME). */
  groupName: string;
  /** The termination hook's name (LIFECYCLE_HOOK_NAME). */
  hookName: string;
  metadata: InstanceMetadata;
}

/** Tell the group this instance has drained and may terminate now (instead of waiting out the hook's heartbeat). */
export async function completeTermination(options: LifecycleCompletion): Promise<void> {
  const instanceId = await options.metadata.get('/latest/meta-data/instance-id');
  if (!instanceId) throw new Error('instance id unknown: not running on EC2?');
  await options.autoscaling.send(new CompleteLifecycleActionCommand({
    AutoScalingGroupName: options.groupName,
    LifecycleHookName: options.hookName,
    InstanceId: instanceId,
    LifecycleActionResult: 'CONTINUE',
  }));
}
