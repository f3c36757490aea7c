import { errorOutcome, parseBody, responseOutcome } from '../../adapters/http-driver/outcome';
import { RequestTimeoutError, ResponseTooLargeError } from '../../adapters/http-driver/exchange';
import { resolveHttpDriverOptions } from '../../adapters/http-driver/options';

const target = { url: new URL('https://api.example.com/profile?token=secret'), display: 'https://api.example.com/profile' };

function response(status: number, body: string, headers: Record<string, string> = {}) {
  return { status, headers, body: Buffer.from(body) };
}

describe('HTTP driver outcomes', () => {
  it('parses JSON bodies, keeps text, reads an empty body as null', () => {
    // Act
    const bodies = ['{"a":1}', '"s"', 'plain text', '{"broken"', ''].map((text) => parseBody(Buffer.from(text)));
    // Assess
    expect(bodies).toEqual([{ a: 1 }, 's', 'plain text', '{"broken"', null]);
  });

  it('maps statuses: 2xx success, 4xx final, 5xx retryable unless X-Inngest-No-Retry, 3xx final', () => {
    // Act
    const outcomes = {
      ok: responseOutcome(response(204, ''), target),
      notFound: responseOutcome(response(404, 'no such user'), target),
      unavailable: responseOutcome(response(503, ''), target),
      noRetry: responseOutcome(response(503, '', { 'x-inngest-no-retry': 'TRUE' }), target),
      redirect: responseOutcome(response(301, '', { location: 'https://api.example.com/v2/profile' }), target),
    };
    // Assess
    expect(outcomes.ok).toEqual({ kind: 'success', output: { status: 204, body: null } });
    expect(outcomes.notFound).toEqual({ kind: 'failure', retryable: false, error: 'HTTP 404 from https://api.example.com/profile: no such user', output: { status: 404, body: 'no such user' } });
    expect(outcomes.unavailable).toMatchObject({ kind: 'failure', retryable: true, error: 'HTTP 503 from https://api.example.com/profile' });
    expect(outcomes.noRetry).toMatchObject({ kind: 'failure', retryable: false });
    expect(outcomes.redirect).toMatchObject({ kind: 'failure', retryable: false });
    expect((outcomes.redirect as { error: string }).error).toContain('redirects are not followed (Location: https://api.example.com/v2/profile)');
  });

  it('words timeouts, size limits and network errors clearly, without the query string', () => {
    // Act
    const timeout = errorOutcome(new RequestTimeoutError(30_000), target);
    const tooLarge = errorOutcome(new ResponseTooLargeError(4 * 1024 * 1024, 200), target);
    const refused = errorOutcome(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), target);
    // Assess
    expect(timeout).toEqual({ kind: 'failure', retryable: true, error: 'POST https://api.example.com/profile timed out after 30s' });
    expect(tooLarge).toMatchObject({ kind: 'failure', retryable: false });
    expect((tooLarge as { error: string }).error).toContain('over the limit of 4 MiB (maxResponseBytes)');
    expect(refused).toEqual({ kind: 'failure', retryable: true, error: 'connection refused by api.example.com (POST https://api.example.com/profile)' });
    expect(JSON.stringify([timeout, tooLarge, refused])).not.toContain('secret');
  });

  it('rejects unknown and bad options, naming the fix', () => {
    // Act
    const unknown = () => resolveHttpDriverOptions({ signingkey: 'x' } as never);
    const negative = () => resolveHttpDriverOptions({ maxResponseBytes: -1 });
    const defaults = resolveHttpDriverOptions({});
    // Assess
    expect(unknown).toThrow('unknown HTTP driver option signingkey');
    expect(negative).toThrow('maxResponseBytes must be a positive whole number');
    expect(defaults).toMatchObject({ signingKey: '', maxResponseBytes: 4 * 1024 * 1024, allowLinkLocal: false });
  });

  it('fails for good on a body nested deeper than 64 levels, naming the cap, with no output kept', () => {
    // Prepare
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const atCap = `${'['.repeat(64)}${']'.repeat(64)}`;
    // Act
    const refused = [200, 500].map((status) => responseOutcome(response(status, deep), target));
    const accepted = responseOutcome(response(200, atCap), target);
    // Assess
    for (const outcome of refused) {
      expect(outcome).toEqual({ kind: 'failure', retryable: false, error: expect.stringContaining('deeper than 64 levels, the cap for step outputs') });
    }
    expect(accepted.kind).toBe('success');
  });
});
