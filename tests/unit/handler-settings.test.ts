import { ValidationError } from '../../core/errors';
import { readSettings } from '../../handlers/settings';

describe('deployment settings', () => {
  it('reads queues, keys and durations from the environment', () => {
    // Prepare
    const env = {
      EVENT_STREAM_URL: 'https://sqs.eu-west-1.amazonaws.com/1/stepstack-prod-events', EVENT_KEYS: ' a , b,, ', API_KEY: 'k',
      RETRY_BASE: '2s', RETRY_MAX: '5m', RETENTION: '3d', AWS_REGION: 'eu-west-1',
    };

    // Act
    const settings = readSettings(env, ['eventStreamUrl']);

    // Assess
    expect(settings).toEqual(expect.objectContaining({
      eventStreamUrl: env.EVENT_STREAM_URL, eventKeys: ['a', 'b'], apiKey: 'k', region: 'eu-west-1', sqsEndpoint: '',
      retentionMs: 3 * 86_400_000, retry: expect.objectContaining({ baseMs: 2000, maxMs: 300_000 }),
    }));
  });

  it('builds a TLS Redis URL from the parts ECS injects, escaping the token', () => {
    // Act
    const settings = readSettings({ STEP_QUEUE_URL: 'q', REDIS_HOST: 'master.redis.cache.amazonaws.com', REDIS_AUTH_TOKEN: 'p@ss/word' }, ['redisUrl']);

    // Assess
    expect(settings.redisUrl).toBe('rediss://:p%40ss%2Fword@master.redis.cache.amazonaws.com:6379');
  });

  it('names every missing or bad variable and where it comes from, at once', () => {
    // Act
    const attempt = (): unknown => readSettings({ RETRY_BASE: 'soon' }, ['stepQueueUrl', 'redisUrl']);

    // Assess
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ValidationError).problems;
      expect(problems).toHaveLength(3);
      expect(problems[0]).toMatch(/^RETRY_BASE: /);
      expect(problems[1]).toMatch(/^STEP_QUEUE_URL: required; serverless.yml sets it per stage/);
      expect(problems[2]).toMatch(/^REDIS_URL: required/);
    }
  });
});
