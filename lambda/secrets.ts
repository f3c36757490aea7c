import type middy from '@middy/core';
import { withSecrets } from '../platform/aws/secrets';

let ready: Promise<void> | undefined;

/**
 * Before the first invocation of a container, read the secrets its environment names (the
 * *_PARAMETER and *_ARN variables, see platform/aws/secrets.ts) into the settings the handler's
 * dependencies are built from; later invocations find them there. A failed read fails that
 * invocation and is tried again on the next.
 */
export function secretsFromNames(): middy.MiddlewareObj {
  return { before: () => loadSecretsIntoEnv() };
}

/** The middleware's work, for a handler that must answer even when it fails (the functions' custom resource). */
export async function loadSecretsIntoEnv(): Promise<void> {
  ready ??= withSecrets(process.env).then((env) => {
    for (const [name, value] of Object.entries(env)) if (value !== undefined && !process.env[name]?.trim()) process.env[name] = value;
  });
  try {
    await ready;
  } catch (error) {
    ready = undefined;
    throw error;
  }
}
