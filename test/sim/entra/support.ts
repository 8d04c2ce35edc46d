// Test support: an MSAL INetworkModule over node:https that trusts the simulator's CA (MSAL's
// default client is fetch, which only trusts extra CAs via NODE_EXTRA_CA_CERTS at process start)
// and can send Azure's public host names to the simulator's listener, plus JWT decoding and sim
// start-up (one-off, or shared by a describe block's tests) for the test files.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll } from 'vitest';
import { PublicClientApplication, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import { createTlsMaterial, type TlsMaterial } from '../ca.js';
import { AZURE_CLI_CLIENT_ID, loadDirectory } from '../types.js';
import { httpsOptions, type ConnectTo } from './browser.js';
import { startEntraSim, type EntraSim, type EntraSimOptions } from './index.js';

export class CaTrustingNetworkClient implements INetworkModule {
  /** `connectTo`: every HTTPS request goes there, keeping its Host header and SNI. */
  constructor(
    private readonly caCertPem: string,
    private readonly connectTo?: ConnectTo,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  private send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...(options?.headers ?? {}) };
    const body = method === 'POST' ? (options?.body ?? '') : undefined;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          try {
            resolve({ headers: flat, body: JSON.parse(text) as T, status: res.statusCode ?? 0 });
          } catch (e) {
            reject(new Error(`non-JSON response (HTTP ${res.statusCode ?? 0}) from ${u.origin}${u.pathname}`, { cause: e }));
          }
        });
      };
      const common = { method, headers, timeout, agent: false as const };
      let req;
      if (u.protocol === 'https:') {
        const tls = httpsOptions(u, this.caCertPem, this.connectTo);
        req = httpsRequest(u, { ...common, ...tls, headers: { ...headers, ...tls.headers } }, onResponse);
      } else {
        req = httpRequest(u, common, onResponse);
      }
      req.on('timeout', () => req.destroy(new Error('request timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  if (!h || !p) throw new Error('not a JWT');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>,
  };
}

export type TestSimOptions = Partial<Omit<EntraSimOptions, 'directory' | 'tls'>>;

export async function startTestSim(opts: TestSimOptions = {}): Promise<{ sim: EntraSim; tls: TlsMaterial }> {
  const tls = await createTlsMaterial();
  const sim = await startEntraSim({ directory: loadDirectory(), tls, deviceCodeIntervalSeconds: 1, ...opts });
  return { sim, tls };
}

/** The simulator a describe block's tests share (read it in tests and hooks, once it has started). */
export interface SharedTestSim {
  readonly sim: EntraSim;
  /** The simulator's CA certificate (PEM). */
  readonly ca: string;
}

/** Starts a simulator before the enclosing describe block's tests and closes it after them. */
export function useTestSim(opts: TestSimOptions = {}): SharedTestSim {
  let started: { sim: EntraSim; tls: TlsMaterial } | undefined;
  beforeAll(async () => {
    started = await startTestSim(opts);
  });
  afterAll(async () => {
    await started?.sim.close();
  });
  const running = (): { sim: EntraSim; tls: TlsMaterial } => {
    if (!started) throw new Error('the test simulator has not started: read it in a test or hook');
    return started;
  };
  return {
    get sim() {
      return running().sim;
    },
    get ca() {
      return running().tls.caCertPem;
    },
  };
}

/** The real MSAL public client pointed at the simulator (knownAuthorities, CA-trusting network client). */
export function msalClientFor(sim: EntraSim, caCertPem: string, opts: { tenant?: string; clientId?: string } = {}): PublicClientApplication {
  return new PublicClientApplication({
    auth: { clientId: opts.clientId ?? AZURE_CLI_CLIENT_ID, authority: `${sim.authorityHost}/${opts.tenant ?? sim.tenantId}`, knownAuthorities: sim.knownAuthorities },
    system: { networkClient: new CaTrustingNetworkClient(caCertPem) },
  });
}

/** One raw HTTPS request trusting the simulator's CA (a form body makes it a POST). */
export function httpsText(url: string, caCertPem: string, opts: { form?: Record<string, string>; connectTo?: ConnectTo; host?: string } = {}): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const tls = httpsOptions(u, caCertPem, opts.connectTo);
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  const headers: Record<string, string> = { ...(tls.headers as Record<string, string> | undefined), ...(opts.host ? { host: opts.host } : {}) };
  if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return new Promise((resolve, reject) => {
    const req = httpsRequest(u, { ...tls, method: body === undefined ? 'GET' : 'POST', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
