import { silentLogger } from '../../core/ports/logger';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { loadSettings } from '../../platform/settings';

const API_KEY = 'dashboard-key-0123456789';

/** The dashboard's login (SPEC section 8): the session cookie's attributes, cross-site requests refused, logout ending the session. */
describe('dashboard login and session', () => {
  let stack: LocalStack;
  let origin: string;

  beforeAll(async () => {
    const config = loadSettings({ PORT: '0', FUNCTIONS_DIR: '/nonexistent', EXAMPLES_PORT: '0', API_KEY, STEPSTACK_NAMESPACE: `dash-auth-${process.pid}` });
    stack = await startLocalStack(config, { logger: silentLogger });
    origin = stack.url;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', origin, ...headers }, body: JSON.stringify(body) });

  async function login(headers: Record<string, string> = {}): Promise<{ cookie: string; setCookie: string }> {
    const response = await post('/auth/login', { key: API_KEY }, headers);
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    return { setCookie, cookie: setCookie.split(';')[0]! };
  }

  it('serves the page and its assets without a key, with headers that keep other sites out', async () => {
    // Act
    const page = await fetch(`${stack.url}/`);
    const html = await page.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    const asset = await fetch(`${stack.url}${script}`);
    // Assess
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(script).toBeDefined();
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(html).not.toMatch(/https?:\/\//); // nothing fetched from the internet
  });

  it('refuses a wrong key and sets no cookie', async () => {
    // Act
    const wrong = await post('/auth/login', { key: 'not-the-key' });
    const missing = await post('/auth/login', {});
    // Assess
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(missing.status).toBe(400);
  });

  it('keeps a session in an HttpOnly, SameSite=Strict cookie, Secure over https', async () => {
    // Act
    const plain = await login();
    const overHttps = await login({ 'x-forwarded-proto': 'https' });
    const runs = await fetch(`${stack.url}/v1/runs`, { headers: { cookie: plain.cookie } });
    const session = await (await fetch(`${stack.url}/auth/session`, { headers: { cookie: plain.cookie } })).json();
    // Assess
    expect(plain.setCookie).toMatch(/^stepstack_session=[A-Za-z0-9_-]{43}; /);
    expect(plain.setCookie.split('; ')).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict', 'Max-Age=43200']));
    expect(plain.setCookie).not.toMatch(/Secure/);
    expect(overHttps.setCookie.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Secure']));
    expect(runs.status).toBe(200);
    expect(session).toEqual({ open: false, authenticated: true });
  });

  it('refuses a cross-site POST that carries the cookie, and a login from another site', async () => {
    // Prepare
    const { cookie } = await login();
    // Act
    const foreign = await fetch(`${stack.url}/v1/cancellations`, {
      method: 'POST', headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/json' }, body: '{}',
    });
    const marked = await fetch(`${stack.url}/v1/runs/x/cancel`, { method: 'POST', headers: { cookie, origin, 'sec-fetch-site': 'cross-site' } });
    const noOrigin = await fetch(`${stack.url}/v1/runs/x/cancel`, { method: 'POST', headers: { cookie } });
    const sameSite = await fetch(`${stack.url}/v1/runs/x/cancel`, { method: 'POST', headers: { cookie, origin, 'sec-fetch-site': 'same-origin' } });
    const foreignLogin = await post('/auth/login', { key: API_KEY }, { origin: 'http://evil.example' });
    // Assess
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toMatch(/^cross-site request refused/);
    expect(marked.status).toBe(403);
    expect(noOrigin.status).toBe(403);
    expect(sameSite.status).toBe(404); // through: the run is unknown
    expect(foreignLogin.status).toBe(403);
    expect(foreignLogin.headers.get('set-cookie')).toBeNull();
  });

  it('ends the session on logout: the same cookie is refused afterwards', async () => {
    // Prepare
    const { cookie } = await login();
    // Act
    const logout = await fetch(`${stack.url}/auth/logout`, { method: 'POST', headers: { cookie, origin } });
    const after = await fetch(`${stack.url}/v1/runs`, { headers: { cookie } });
    const session = await (await fetch(`${stack.url}/auth/session`, { headers: { cookie } })).json();
    // Assess
    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toMatch(/^stepstack_session=; .*Max-Age=0/);
    expect(after.status).toBe(401);
    expect(session).toEqual({ open: false, authenticated: false });
  });

  it('answers 401 on the core API without a key or session, and takes the bearer key as before', async () => {
    // Act
    const without = await fetch(`${stack.url}/v1/functions`);
    const forged = await fetch(`${stack.url}/v1/functions`, { headers: { cookie: `stepstack_session=${'a'.repeat(43)}` } });
    const bearer = await fetch(`${stack.url}/v1/functions`, { headers: { authorization: `Bearer ${API_KEY}` } });
    // Assess
    expect(without.status).toBe(401);
    expect(forged.status).toBe(401);
    expect(bearer.status).toBe(200);
  });
});
