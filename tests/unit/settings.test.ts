import { availableParallelism } from 'node:os';
import { dockerLimitsFor } from '../../platform/docker-limits';
import { ValidationError } from '../../core/errors';
import { VARIABLES, loadSettings, secretsOf, variablesOf } from '../../platform/settings';

function problemsOf(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('settings schema', () => {
  it('gives every variable its documented default', () => {
    // Act
    const settings = loadSettings({});

    // Assess
    expect(settings).toEqual({
      PORT: 8288, HOST: '127.0.0.1', ALLOWED_HOSTS: [], FUNCTIONS_DIR: './functions', EXAMPLES_PORT: 8289,
      EVENT_KEYS: [], API_KEY: '', SIGNING_KEY: '',
      RETRY_BASE: 10_000, RETRY_MAX: 3_600_000, RETENTION: 7 * 86_400_000,
      REDIS_URL: '', REDIS_CLUSTER: false, REDIS_HOST: '', REDIS_PORT: 6379, REDIS_AUTH_TOKEN: '', REDIS_AUTH_SECRET_ARN: '', EVENT_KEYS_PARAMETER: '', API_KEY_PARAMETER: '', SIGNING_KEY_PARAMETER: '', HEALTH_PORT: 8290,
      SQS_ENDPOINT: '', AWS_REGION: 'us-east-1', EVENT_STREAM_URL: '', STEP_QUEUE_URL: '',
      STEPSTACK_NAMESPACE: 'stepstack', STEPSTACK_STAGE: '', LOG_FORMAT: 'auto',
      CONCURRENCY: 20, FUNCTION_SHARE: 75, RUN_OUTPUT_CAP: '32Mi', STEP_LEASE: 30_000, DRAIN_DEADLINE: 60_000,
      HTTP_ALLOW_LINK_LOCAL: false, DOCKER_NETWORK: 'bridge',
      DOCKER_MEMORY: '512Mi', DOCKER_MEMORY_MAX: '8Gi', DOCKER_CPUS: 1, DOCKER_CPUS_MAX: availableParallelism(), DOCKER_PIDS: 512, DOCKER_ALLOW_ROOT: false,
      ASG_NAME: '', LIFECYCLE_HOOK_NAME: '',
    });
    expect(Object.keys(settings).sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it('reads each kind of value, trimming, with empty meaning unset', () => {
    // Act
    const settings = loadSettings({
      PORT: ' 9000 ', EVENT_KEYS: ' a , b,, ', RETRY_BASE: '2s', RETENTION: '3d', REDIS_CLUSTER: 'TRUE',
      REDIS_URL: 'rediss://:pw@cache:6380', LOG_FORMAT: 'json', HOST: '', STEPSTACK_NAMESPACE: 'team-a',
    });

    // Assess
    expect(settings).toEqual(expect.objectContaining({
      PORT: 9000, EVENT_KEYS: ['a', 'b'], RETRY_BASE: 2000, RETENTION: 3 * 86_400_000, REDIS_CLUSTER: true,
      REDIS_URL: 'rediss://:pw@cache:6380', LOG_FORMAT: 'json', HOST: '127.0.0.1', STEPSTACK_NAMESPACE: 'team-a',
    }));
  });

  it.each([
    ['CONCURRENCY', '0', /^CONCURRENCY: "0" is not allowed: set a whole number from 1 to 1000$/],
    ['CONCURRENCY', 'ten', /^CONCURRENCY: "ten" is not allowed: set a whole number from 1 to 1000$/],
    ['PORT', '70000', /^PORT: "70000" is not allowed: set a whole number from 0 to 65535$/],
    ['PORT', '-1', /^PORT: "-1" is not allowed: set a whole number/],
    ['STEP_LEASE', '10ms', /^STEP_LEASE: "10ms" is too short: set at least 1000 ms/],
    ['RETRY_BASE', 'soon', /^RETRY_BASE: "soon" is not a duration: /],
    ['REDIS_CLUSTER', 'yes', /^REDIS_CLUSTER: "yes" is not allowed: set true or false$/],
    ['SQS_ENDPOINT', 'localhost:9324', /^SQS_ENDPOINT: is not a URL starting http:\/\/ or https:\/\/: set one, or leave it empty$/],
    ['REDIS_URL', 'http://cache:6379', /^REDIS_URL: is not a URL starting redis:\/\/ or rediss:\/\//],
    ['LOG_FORMAT', 'xml', /^LOG_FORMAT: "xml" is not allowed: set one of auto, json, text$/],
  ])('refuses %s=%s, naming the variable and the fix', (name, value, message) => {
    // Act
    const problems = problemsOf(() => loadSettings({ [name]: value }));

    // Assess
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('never echoes a bad URL, which may carry a password', () => {
    // Act
    const problems = problemsOf(() => loadSettings({ REDIS_URL: 'redis//:hunter2@cache' }));

    // Assess
    expect(problems.join(' ')).not.toContain('hunter2');
  });

  it('names every missing or bad variable and where it comes from, at once', () => {
    // Act
    const problems = problemsOf(() => loadSettings({ RETRY_BASE: 'soon' }, { require: ['STEP_QUEUE_URL', 'REDIS_URL'] }));

    // Assess
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^RETRY_BASE: /);
    expect(problems[1]).toMatch(/^STEP_QUEUE_URL: required here; serverless.yml sets it per stage/);
    expect(problems[2]).toMatch(/^REDIS_URL: required here/);
  });

  it('builds a TLS Redis URL from the parts ECS injects, escaping the token', () => {
    // Act
    const settings = loadSettings({ REDIS_HOST: 'master.redis.cache.amazonaws.com', REDIS_AUTH_TOKEN: 'p@ss/word' }, { require: ['REDIS_URL'] });

    // Assess
    expect(settings.REDIS_URL).toBe('rediss://:p%40ss%2Fword@master.redis.cache.amazonaws.com:6379');
    expect(secretsOf(settings)).toEqual(expect.arrayContaining(['p@ss/word', 'p%40ss%2Fword']));
  });

  it('lists the secrets: keys, tokens and the password in a Redis URL', () => {
    // Act
    const secrets = secretsOf(loadSettings({ EVENT_KEYS: 'ek1,ek2', API_KEY: 'ak', SIGNING_KEY: 'sk', REDIS_URL: 'redis://user:rpw@cache:6379' }));

    // Assess
    expect(secrets.sort()).toEqual(['ak', 'ek1', 'ek2', 'rpw', 'sk']);
  });

  it('uses one namespace variable everywhere (no STEPSTACK_KEY_PREFIX)', () => {
    // Assess
    expect(Object.keys(VARIABLES)).not.toContain('STEPSTACK_KEY_PREFIX');
    for (const target of ['local', 'lambda', 'ecs', 'executor'] as const) expect(variablesOf(target)).toContain('STEPSTACK_NAMESPACE');
  });
});

describe('settings schema: queue URLs', () => {
  it('accepts the queue URLs local SQS servers hand out, which WHATWG URL refuses', () => {
    // Act
    const settings = loadSettings({ STEP_QUEUE_URL: 'http://sqs.us-east-1.127.0.0.1:44231/000000000000/steps' });

    // Assess
    expect(settings.STEP_QUEUE_URL).toBe('http://sqs.us-east-1.127.0.0.1:44231/000000000000/steps');
  });

  it('reads the Docker limits and hands them to the driver as defaults and maximums', () => {
    // Act
    const settings = loadSettings({ DOCKER_MEMORY: '256Mi', DOCKER_MEMORY_MAX: '2Gi', DOCKER_CPUS: '0.5', DOCKER_CPUS_MAX: '2', DOCKER_PIDS: '128', DOCKER_ALLOW_ROOT: 'true' });
    const bad = () => loadSettings({ DOCKER_MEMORY: '512m', DOCKER_CPUS: '0', DOCKER_PIDS: '1' });
    // Assess
    expect(dockerLimitsFor(settings)).toEqual({
      defaults: { memory: '256Mi', cpus: 0.5, pids: 128 }, maximums: { memory: '2Gi', cpus: 2, pids: 128 }, allowRoot: true,
    });
    expect(bad).toThrow(/DOCKER_MEMORY: memory "512m" is not a quantity.*DOCKER_CPUS: "0" is not allowed: set a number above 0.*DOCKER_PIDS: "1" is not allowed/);
  });
});
