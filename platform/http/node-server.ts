import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { ApiRequest, ApiResponse } from '../../api/http';
import { errorResponse } from '../../api/http';
import { type Listening, listen } from './listen';

/** Serve the stack's routes over node:http; bodies past `maxBodyBytes` are answered 413 without being buffered. */
export async function serveHttp(
  route: (request: ApiRequest) => Promise<ApiResponse>,
  options: { port: number; host: string; maxBodyBytes: number },
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res, route, options.maxBodyBytes).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 65_000;
  return listen(server, options);
}

async function handle(req: IncomingMessage, res: ServerResponse, route: (request: ApiRequest) => Promise<ApiResponse>, maxBodyBytes: number): Promise<void> {
  const body = await readBody(req, maxBodyBytes);
  const response = body === 'too-large'
    ? errorResponse(413, `request body is over ${maxBodyBytes} bytes: send fewer events per request`)
    : await route({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0] ?? '/', headers: req.headers as Record<string, string>, body });
  const payload = JSON.stringify(response.body);
  res.writeHead(response.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
  if (body === 'too-large') req.resume();
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined | 'too-large'> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
