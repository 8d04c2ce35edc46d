// MSAL's HTTP client, on node:https/http instead of fetch, so pgEntra's trust list (its roots, the
// OS store, a custom cloud's CA) and its proxy choice (net/httpsTransport.ts) apply to Entra, and
// so tests and diagnostics can count requests per endpoint. Plain-http requests (IMDS, App
// Service's and Cloud Shell's identity endpoints, all on this machine or its link) go directly.
import http from 'node:http';
import https from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { PgEntraError } from '../../shared/errors.js';
import { readCaFile } from '../base/tls.js';
import { HttpsTransport } from '../net/httpsTransport.js';
import { networkCauseOf } from '../net/networkErrors.js';
import type { ProxyResolver } from '../net/proxyConfig.js';

export interface NetworkClientOptions {
  /** PEM file with an extra CA to trust (custom/test clouds). */
  caFile?: string;
  /** Per-request timeout (connect + response), ms. */
  timeoutMs?: number;
  /** Direct or through which proxy, per HTTPS connection (default: direct). */
  resolveProxy?: ProxyResolver;
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

/**
 * MSAL turns anything its network module throws that is not one of its own AuthErrors into a
 * bare `network_error` (msal-common's sendPostRequest), losing the cause. A proxy or certificate
 * failure must reach the person as itself (mapMsalError finds it through `cause`), so it travels
 * inside an AuthError — MSAL's own class, taken from the module already loaded (MSAL is calling us).
 */
async function asMsalError(e: PgEntraError): Promise<Error> {
  const { AuthError } = await import('@azure/msal-node');
  return Object.assign(new AuthError(e.code, e.message), { cause: e });
}

export class NodeNetworkClient implements INetworkModule {
  private readonly agent: HttpsTransport;
  private readonly timeoutMs: number;
  readonly counts: RequestCounts = { total: 0, byPath: {} };
  private lastFailure: { error: PgEntraError; at: number } | undefined;

  constructor(opts: NetworkClientOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.agent = new HttpsTransport({
      keepAlive: false,
      connectTimeoutMs: this.timeoutMs,
      ...(opts.caFile ? { extraCaPem: readCaFile(opts.caFile) } : {}),
      ...(opts.resolveProxy ? { resolveProxy: opts.resolveProxy } : {}),
    });
  }

  /**
   * The proxy or certificate failure of a request in the last `withinMs`. MSAL swallows what its
   * GETs (authority metadata, instance discovery) throw and reports only `endpoints_resolution_error`;
   * this is where the real reason can still be found.
   */
  recentFailure(withinMs = 60_000): PgEntraError | undefined {
    return this.lastFailure && Date.now() - this.lastFailure.at <= withinMs ? this.lastFailure.error : undefined;
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
      const fail = (e: Error): void => {
        const typed = networkCauseOf(e);
        if (typed) {
          this.lastFailure = { error: typed, at: Date.now() };
          void asMsalError(typed).then(reject, () => reject(typed));
        } else reject(new NetworkFailure(`Network request to ${target.host} failed: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e }));
      };
      // https through pgEntra's transport (its trust list and proxy); http (identity endpoints on this machine or its link) directly.
      const req = (isHttps ? https : http).request(target, { method, headers, agent: isHttps ? this.agent : undefined, timeout: limit }, (res) => {
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
          // An answer came: an earlier proxy/TLS failure is no longer the reason for anything.
          this.lastFailure = undefined;
          resolve({ headers: outHeaders, body: parsed as T, status: res.statusCode ?? 0 });
        });
      });
      const timer = setTimeout(() => req.destroy(new Error(`Request timeout after ${limit} ms`)), limit);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        fail(e);
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }
}
