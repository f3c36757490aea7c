import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Hono } from 'hono';
import { httpApiHandler } from '../../platform/http/lambda';
import { serveApp } from '../../platform/http/node-server';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** One way to carry a request to the app: a real node:http server, or a Lambda invocation with an HTTP API event. */
export interface Served {
  call(method: string, path: string, init?: { body?: string | Buffer; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

/** The app on the node:http server that the local stack and the ECS containers run, on a free loopback port. */
export async function overNode(app: Hono<any>): Promise<Served> {
  const listening = await serveApp(app, { port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${listening.port}`;
  return {
    async call(method, path, init = {}) {
      const response = await fetch(`${base}${path}`, { method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
      const text = await response.text();
      return { status: response.status, headers: Object.fromEntries(response.headers), body: text ? JSON.parse(text) : undefined };
    },
    close: () => listening.close(),
  };
}

/** The app as a Lambda behind an HTTP API (payload 2.0): each call is one invocation with the event API Gateway would send. */
export function overLambda(buildApp: () => Hono<any>): Served {
  const handler = httpApiHandler(buildApp);
  let counter = 0;
  return {
    async call(method, path, init = {}) {
      const [rawPath = '/', rawQueryString = ''] = path.split('?');
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const event: APIGatewayProxyEventV2 = {
        version: '2.0', routeKey: '$default', rawPath, rawQueryString,
        headers: { host: 'abc.execute-api.us-east-1.amazonaws.com', ...Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])) },
        requestContext: {
          accountId: '1', apiId: 'abc', domainName: 'abc.execute-api.us-east-1.amazonaws.com', domainPrefix: 'abc', requestId: `lambda-req-${(counter += 1)}`,
          routeKey: '$default', stage: '$default', time: '', timeEpoch: 0,
          http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
        },
        isBase64Encoded: body !== undefined,
        ...(body === undefined ? {} : { body: body.toString('base64') }),
      };
      const result = await handler(event);
      const text = result.isBase64Encoded ? Buffer.from(String(result.body), 'base64').toString('utf8') : String(result.body ?? '');
      const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
      return { status: result.statusCode ?? 200, headers, body: text ? JSON.parse(text) : undefined };
    },
    close: async () => {},
  };
}
