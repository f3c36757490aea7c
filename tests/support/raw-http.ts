import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A request with exactly the headers given, Host included (fetch sets Host itself). */
export function rawRequest(url: string, options: { method?: string; path: string; headers?: Record<string, string>; body?: string; timeoutMs?: number }): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname, port: target.port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {},
      timeout: options.timeoutMs ?? 5000,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${options.path} within ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls `/health` every 50 ms while hostile work runs; `stop()` tells the slowest answer and whether every one was 200. */
export function watchHealth(url: string): { stop(): Promise<{ slowestMs: number; answers: number; failures: string[] }> } {
  let running = true;
  let slowestMs = 0;
  let answers = 0;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const answer = await rawRequest(url, { path: '/health', headers: { host: new URL(url).host }, timeoutMs: 2000 });
        if (answer.status !== 200) failures.push(`status ${answer.status}`);
      } catch (error) {
        failures.push(String(error));
      }
      slowestMs = Math.max(slowestMs, performance.now() - started);
      answers += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { slowestMs, answers, failures };
    },
  };
}
