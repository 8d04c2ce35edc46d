// Microsoft Graph for pgEntra (PIM for Groups): JSON over HTTPS with the account's delegated Graph
// token (the token broker's `graph` resource: PIM's permissions by name), pgEntra's transport (the
// proxy the environment or the OS names, the trust list), and an origin guard — the Graph token
// goes to the cloud's Graph endpoint only, never to a link a response names elsewhere. Graph's
// refusals become PgEntraErrors; a claims challenge becomes a StepUpRequired for the `graph` scope.
import type http from 'node:http';
import https from 'node:https';
import { PgEntraError } from '../../shared/errors.js';
import type { Credential } from '../../shared/credential.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { redact } from '../log/redact.js';
import { HttpsTransport } from '../net/httpsTransport.js';
import type { ProxyResolver } from '../net/proxyConfig.js';

export interface GraphCaller {
  /** The cloud ref (`public` | `usgov` | `china` | custom cloud file). */
  cloud: string;
  credential: Credential;
  /** A check nobody asked for: a token that needs the person fails without a sign-in banner (TokenRequest.quiet). */
  quiet?: boolean;
  signal?: AbortSignal;
}

export interface GraphClientOptions {
  tokens: TokenProvider;
  /** https origin of Graph (`https://graph.microsoft.com`). */
  endpoint: string;
  caller: GraphCaller;
  resolveProxy?: ProxyResolver;
  /** A custom cloud's CA (PEM). */
  extraCaPem?: string;
  timeoutMs?: number;
}

/** Graph's error body: `{"error":{"code","message","innerError":{…}}}`. */
export interface GraphErrorBody {
  code: string;
  message: string;
}

/** A Graph refusal, with its HTTP status and error code, for callers that tell them apart. */
export class GraphRequestError extends PgEntraError {
  constructor(
    readonly status: number,
    readonly graphCode: string,
    readonly graphMessage: string,
    message: string,
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(status === 403 ? 'azure_forbidden' : status === 404 ? 'not_found' : status >= 500 || status === 429 ? 'network_unavailable' : 'invalid_input', message, {
      ...(opts.hint ? { hint: opts.hint } : {}),
      details: { status, graphCode },
      ...(opts.cause ? { cause: opts.cause } : {}),
    });
    this.name = 'GraphRequestError';
  }
}

function bearerParams(header: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/([A-Za-z_]+)="([^"]*)"/g)) if (m[1] !== undefined && m[2] !== undefined) params[m[1].toLowerCase()] = m[2];
  return params;
}

export class GraphClient {
  private readonly origin: string;
  private readonly agent: HttpsTransport;

  constructor(private readonly opts: GraphClientOptions) {
    this.origin = new URL(opts.endpoint).origin;
    this.agent = new HttpsTransport({ keepAlive: true, ...(opts.resolveProxy ? { resolveProxy: opts.resolveProxy } : {}), ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}) });
  }

  get endpoint(): string {
    return this.origin;
  }

  get<T>(pathOrUrl: string): Promise<T> {
    return this.request<T>('GET', pathOrUrl);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  close(): void {
    this.agent.destroy();
  }

  private async request<T>(method: 'GET' | 'POST', pathOrUrl: string, body?: unknown, claims?: string): Promise<T> {
    const url = new URL(pathOrUrl.startsWith('/') ? `${this.origin}${pathOrUrl}` : pathOrUrl);
    // Next links come from the server: the token goes to the cloud's Graph origin only.
    if (url.protocol !== 'https:' || url.origin !== this.origin) {
      throw new PgEntraError('internal', `Microsoft Graph pointed pgEntra to ${url.origin}. pgEntra sends its Graph token only to ${this.origin}, so it stopped there.`, {
        details: { origin: url.origin },
      });
    }
    const { caller } = this.opts;
    const token = await this.opts.tokens.getToken({
      credential: caller.credential,
      cloud: caller.cloud,
      resource: 'graph',
      minValiditySeconds: 120,
      ...(claims ? { claims } : {}),
      ...(caller.quiet ? { quiet: true } : {}),
      ...(caller.signal ? { signal: caller.signal } : {}),
    });
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const res = await this.send(method, url, token.token, payload);
    if (res.status === 401) {
      const challenge = bearerParams(res.headers['www-authenticate']);
      const wanted = challenge.error === 'insufficient_claims' && challenge.claims ? Buffer.from(challenge.claims, 'base64').toString('utf8') : undefined;
      // Asked once with the claims; still refused → the person must step up (a StepUpRequired from the broker).
      if (wanted && !claims) return this.request<T>(method, pathOrUrl, body, wanted);
    }
    if (res.status >= 200 && res.status < 300) return (res.text ? JSON.parse(res.text) : {}) as T;
    throw this.refusal(res.status, res.text);
  }

  private refusal(status: number, text: string): GraphRequestError {
    let err: GraphErrorBody = { code: `HTTP ${status}`, message: '' };
    try {
      const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') err = { code: parsed.error.code, message: typeof parsed.error.message === 'string' ? parsed.error.message : '' };
    } catch {
      // a gateway's HTML: the status says enough
    }
    const said = redact(err.message).slice(0, 500);
    return new GraphRequestError(status, err.code, said, `Microsoft Graph refused the request (${status} ${err.code})${said ? `: ${said}` : ''}.`);
  }

  private send(method: string, url: URL, token: string, payload: string | undefined): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'pgEntra' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      // The agent hands the request a verified TLS connection (directly or through the proxy's tunnel).
      const req = https.request(url, { method, headers, agent: this.agent, timeout: timeoutMs, ...(this.opts.caller.signal ? { signal: this.opts.caller.signal } : {}) });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (e) =>
        reject(
          this.agent.explain(e, url.href) ??
            new PgEntraError('network_unavailable', `Cannot reach Microsoft Graph at ${url.host}: ${(e as NodeJS.ErrnoException).code ?? e.message}.`, {
              hint: 'Check the network or proxy (HTTPS_PROXY) and try again.',
              cause: e,
            }),
        ),
      );
      req.end(payload);
    });
  }
}
