// Resource Manager's response shape: JSON with ARM's tracking headers, and its error envelope
// `{"error":{"code","message"}}` for every failure.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export { readBody } from '../entra/http.js';

export interface ArmError {
  code: string;
  message: string;
}

/** The headers ARM adds to every answer; the correlation id echoes the client's request id. */
function trackingHeaders(req: IncomingMessage): Record<string, string> {
  const requestId = randomUUID();
  const client = req.headers['x-ms-client-request-id'];
  return {
    'cache-control': 'no-cache',
    pragma: 'no-cache',
    expires: '-1',
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-ms-request-id': requestId,
    'x-ms-correlation-request-id': typeof client === 'string' && client ? client : requestId,
    'x-ms-routing-request-id': `WESTEUROPE:${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}Z:${requestId}`,
    ...(typeof client === 'string' && client ? { 'x-ms-client-request-id': client } : {}),
  };
}

export function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...trackingHeaders(req),
    ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendError(req: IncomingMessage, res: ServerResponse, status: number, error: ArmError, headers: Record<string, string> = {}): void {
  send(req, res, status, { error }, headers);
}
