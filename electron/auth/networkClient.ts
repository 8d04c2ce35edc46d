// MSAL's HTTP client, on node:https/http instead of fetch, so a custom cloud's CA file can be
// trusted next to the system roots (NODE_EXTRA_CA_CERTS is read only at process start) and so
// tests and diagnostics can count requests per endpoint.
import http from 'node:http';
import https from 'node:https';
import { trustedRoots } from '../base/trustedRoots.js';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { readSmallFile } from '../base/boundedRead.js';

export interface NetworkClientOptions {
  /** PEM file with an extra CA to trust (custom/test clouds). */
  caFile?: string;
  /** Per-request timeout (connect + response), ms. */
  timeoutMs?: number;
}

export interface RequestCounts {
  total: number;
  /** By URL path, e.g. `/contoso/oauth2/v2.0/token`. */
  byPath: Record<string, number>;
}

/** Thrown when the request never got an HTTP answer (refused, reset, DNS, TLS, timeout). */
export class NetworkFailure extends Error {
  readonly errorCode = 'network_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkFailure';
  }
}

export class NodeNetworkClient implements INetworkModule {
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;
  readonly counts: RequestCounts = { total: 0, byPath: {} };

  constructor(opts: NetworkClientOptions = {}) {
    // No caFile: Node's default store (bundled roots + NODE_EXTRA_CA_CERTS) applies as it is.
    const ca = opts.caFile ? [...trustedRoots(), readSmallFile(opts.caFile).toString('utf8')] : undefined;
    this.agent = new https.Agent({ keepAlive: false, ...(ca ? { ca } : {}) });
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const target = new URL(url);
    this.counts.total++;
    this.counts.byPath[target.pathname] = (this.counts.byPath[target.pathname] ?? 0) + 1;
    const body = method === 'POST' ? (options?.body ?? '') : undefined;
    const headers: Record<string, string | number> = { ...(options?.headers ?? {}) };
    if (body !== undefined) headers['Content-Length'] = Buffer.byteLength(body);
    const isHttps = target.protocol === 'https:';
    const limit = timeout ?? this.timeoutMs;
    return new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = (isHttps ? https : http).request(target, { method, headers, ...(isHttps ? { agent: this.agent } : {}), timeout: limit }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new NetworkFailure(`Network request failed: ${e.message}`, { cause: e })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = {};
          if (text.trim()) {
            try {
              parsed = JSON.parse(text);
            } catch {
              // Gateways answer 502/503 with HTML; MSAL expects an object, the status says enough.
              parsed = {};
            }
          }
          const outHeaders: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) outHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ headers: outHeaders, body: parsed as T, status: res.statusCode ?? 0 });
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`Request timeout after ${limit} ms`)), limit);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new NetworkFailure(`Network request to ${target.host} failed: ${e.code ?? e.message}`, { cause: e }));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}
