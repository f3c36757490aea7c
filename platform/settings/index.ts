import { z } from 'zod';
import { ValidationError } from '../../core/errors';
import { type Target, VARIABLES, type Variable } from './variables';

export { VARIABLES, type Target, type Variable } from './variables';

type Variables = typeof VARIABLES;
export type VariableName = keyof Variables;

/** Every setting, parsed: keyed by its environment variable's name, so that one name means it everywhere. */
export type Settings = { readonly [K in VariableName]: Variables[K] extends Variable<infer T> ? T : never };

type Env = Record<string, string | undefined>;

/** Why a variable is required, and where it comes from. */
const SOURCES: Partial<Record<VariableName, string>> = {
  EVENT_STREAM_URL: 'serverless.yml sets it per stage (resources/ecs.yml for the containers)',
  STEP_QUEUE_URL: 'serverless.yml sets it per stage; the executor reads it from /etc/stepstack/executor.env',
  REDIS_URL: 'serverless.yml sets it per stage; the executor reads it from /etc/stepstack/executor.env; containers get REDIS_HOST and REDIS_AUTH_TOKEN',
};

const shape = Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.schema])) as { [K in VariableName]: Variables[K]['schema'] };
const schema = z.object(shape);

export interface LoadOptions {
  /** Variables this process cannot do without (empty is refused). */
  require?: readonly VariableName[];
}

/**
 * Read every setting from the environment, once, at start. Every problem is named at once, each as
 * `VARIABLE: what is wrong: the fix` (a ValidationError); a value that may hold a secret is never echoed.
 */
export function loadSettings(env: Env = process.env, options: LoadOptions = {}): Settings {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  const given = (name: VariableName): boolean => Boolean(env[name]?.trim()) || (name === 'REDIS_URL' && Boolean(env.REDIS_HOST?.trim()));
  for (const name of options.require ?? []) {
    if (!given(name)) problems.push(`${name}: required here; ${SOURCES[name] ?? 'set it in the environment'}`);
  }
  if (!parsed.success || problems.length > 0) throw new ValidationError(problems);
  return withRedisFromParts(parsed.data as Settings);
}

/** ECS injects the AUTH token as a secret variable of its own: build the TLS URL from the parts. */
function withRedisFromParts(settings: Settings): Settings {
  if (settings.REDIS_URL || !settings.REDIS_HOST) return settings;
  const token = settings.REDIS_AUTH_TOKEN;
  return { ...settings, REDIS_URL: `rediss://${token ? `:${encodeURIComponent(token)}@` : ''}${settings.REDIS_HOST}:${settings.REDIS_PORT}` };
}

/** The values of the settings that are secrets (keys, tokens, a Redis password), for the logger to scrub from every line. */
export function secretsOf(settings: Settings): string[] {
  const secrets = [...settings.EVENT_KEYS, settings.API_KEY, settings.SIGNING_KEY, settings.REDIS_AUTH_TOKEN, ...urlPasswords(settings.REDIS_URL)];
  return [...new Set(secrets.filter((secret) => secret !== ''))];
}

/** The password in a URL's user info, as written and decoded; read without URL parsing, which refuses some hosts. */
function urlPasswords(value: string): string[] {
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(value)?.[1];
  const colon = userInfo?.indexOf(':') ?? -1;
  if (!userInfo || colon < 0) return [];
  const password = userInfo.slice(colon + 1);
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // a malformed escape: the password as written is all there is
  }
  return [password, decoded].filter((part) => part !== '');
}

/** The variables a target reads, in schema order. */
export function variablesOf(target: Target): VariableName[] {
  return (Object.keys(VARIABLES) as VariableName[]).filter((name) => VARIABLES[name].targets.includes(target));
}
