// One raw HTTPS request to a simulated service for tests (Resource Manager's, Graph's): it trusts
// the simulator's CA, sends a JSON body and parses a JSON reply. Given `connectTo` it reaches a
// public host name at the simulator's listener, keeping the Host header and SNI.
import { request } from 'node:https';
import { httpsOptions, type ConnectTo } from './entra/browser.js';

export interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON (undefined for an empty or non-JSON body). */
  body: unknown;
  text: string;
}

export interface JsonRequestOptions {
  /** Default GET. */
  method?: string;
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  /** Over the ones this sets (e.g. a raw `authorization`, a `host`). */
  headers?: Record<string, string>;
  /** A string goes as it is, anything else as JSON. */
  body?: unknown;
  connectTo?: ConnectTo;
}

export function httpsJson(url: URL, caCertPem: string, opts: JsonRequestOptions = {}): Promise<JsonResponse> {
  const tls = httpsOptions(url, caCertPem, opts.connectTo);
  const payload = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(tls.headers as Record<string, string> | undefined),
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
    ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, method: opts.method ?? 'GET', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: flat, body, text });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
