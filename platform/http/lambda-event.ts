import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ApiRequest, ApiResponse } from '../../api/http';

/** An HTTP API (payload 2.0) event as the framework-free API layer sees it; base64 bodies are decoded. */
export function toApiRequest(event: APIGatewayProxyEventV2): ApiRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = event.body === undefined || event.body === ''
    ? undefined
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return { method: event.requestContext.http.method.toUpperCase(), path: event.rawPath, headers, ...(body ? { body } : {}) };
}

/** The API layer's answer as an HTTP API result: always JSON. */
export function toHttpResult(response: ApiResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(response.body) };
}
