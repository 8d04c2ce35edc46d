// Microsoft Graph's response shape: OData JSON with Graph's tracking headers (`request-id`,
// `client-request-id` echoing the client's), and its error envelope
// `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export { readBody } from '../entra/http.js';

export interface GraphError {
  code: string;
  message: string;
}

const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

/** The ids of one request: Graph echoes the client's `client-request-id`, or uses its own request id. */
export function requestIds(req: IncomingMessage): { requestId: string; clientRequestId: string } {
  const requestId = randomUUID();
  const client = req.headers['client-request-id'];
  return { requestId, clientRequestId: typeof client === 'string' && client ? client : requestId };
}

function trackingHeaders(ids: { requestId: string; clientRequestId: string }): Record<string, string> {
  return {
    'cache-control': 'no-cache',
    'strict-transport-security': 'max-age=31536000',
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'West Europe', Slice: 'E', Ring: '5', ScaleUnit: '001', RoleInstance: 'AM1PEPF0000SIM' } }),
  };
}

export class GraphResponder {
  readonly ids: { requestId: string; clientRequestId: string };

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {
    this.ids = requestIds(req);
  }

  json(status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    this.res.writeHead(status, { ...trackingHeaders(this.ids), 'odata-version': '4.0', 'content-type': ODATA_JSON, 'content-length': String(Buffer.byteLength(text)), ...headers });
    this.res.end(text);
  }

  empty(status: number): void {
    this.res.writeHead(status, trackingHeaders(this.ids));
    this.res.end();
  }

  /** Graph's error envelope; innerError.date is UTC without fractions or zone, as Graph writes it. */
  error(status: number, error: GraphError, headers: Record<string, string> = {}): void {
    const date = new Date().toISOString().replace(/\.\d+Z$/, '');
    const body = { error: { ...error, innerError: { date, 'request-id': this.ids.requestId, 'client-request-id': this.ids.clientRequestId } } };
    const text = JSON.stringify(body);
    this.res.writeHead(status, { ...trackingHeaders(this.ids), 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    this.res.end(text);
  }

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  destroy(): void {
    this.res.destroy();
  }
}
