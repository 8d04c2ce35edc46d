// Microsoft Graph for pgEntra (PIM for Groups): JSON over HTTPS with the account's delegated Graph
// token (the token broker's `graph` resource: PIM's permissions by name), pgEntra's transport (the
// proxy the environment or the OS names, the trust list), and an origin guard — the Graph token
// goes to the cloud's Graph endpoint only, never to a link a response names elsewhere. Answers are
// read up to a size limit and checked against the caller's zod schema; Graph's refusals become
// PgEntraErrors (429 with its Retry-After); a claims challenge becomes a StepUpRequired for the
// `graph` scope; a cancel reads as a cancel.
import type http from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { PgEntraError, isPgEntraError, type ErrorCode } from '../../shared/errors.js';
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
  /** The largest answer read (default 4 MiB): PIM's pages are a few kB; more is not Graph. */
  maxResponseBytes?: number;
}

export const MAX_GRAPH_RESPONSE_BYTES = 4 * 1024 * 1024;
/** How much of Graph's own words a message quotes. */
const MAX_QUOTED = 500;

/** Graph's error body: `{"error":{"code","message","innerError":{…}}}`. */
export interface GraphErrorBody {
  code: string;
  message: string;
}

function codeFor(status: number): ErrorCode {
  if (status === 401) return 'sign_in_required';
  if (status === 403) return 'azure_forbidden';
  if (status === 404) return 'not_found';
  if (status === 429 || status >= 500) return 'network_unavailable';
  return 'invalid_input';
}

/** A Graph refusal, with its HTTP status and error code, for callers that tell them apart. */
export class GraphRequestError extends PgEntraError {
  /** 429/503: how long Graph asked us to wait (Retry-After), ms. */
  readonly retryAfterMs: number | undefined;
  /** The claims (JSON) Graph's message asked for (`&claims=…`, read before the message was cut). */
  readonly claims: string | undefined;

  constructor(
    readonly status: number,
    readonly graphCode: string,
    /** Graph's message, redacted and cut to 500 characters. */
    readonly graphMessage: string,
    message: string,
    opts: { hint?: string; cause?: unknown; retryAfterMs?: number; claims?: string } = {},
  ) {
    super(codeFor(status), message, {
      ...(opts.hint ? { hint: opts.hint } : {}),
      details: { status, graphCode, ...(opts.retryAfterMs !== undefined ? { retryAfterMs: opts.retryAfterMs } : {}) },
      ...(opts.cause ? { cause: opts.cause } : {}),
    });
    this.name = 'GraphRequestError';
    this.retryAfterMs = opts.retryAfterMs;
    this.claims = opts.claims;
  }
}

function bearerParams(header: string | undefined): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of (header ?? '').matchAll(/([A-Za-z_]+)="([^"]*)"/g)) if (m[1] !== undefined && m[2] !== undefined) params[m[1].toLowerCase()] = m[2];
  return params;
}

/** Retry-After as seconds or an HTTP date → ms from now (undefined when absent or unreadable). */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `&claims=<url-encoded JSON>` in a Graph message (PIM's authentication-context refusal), decoded.
 * Read from the whole message: the claims come last, and a message is cut for display.
 */
function claimsIn(message: string): string | undefined {
  const m = /claims=([^&\s]+)/.exec(message);
  if (!m?.[1]) return undefined;
  try {
    const json = decodeURIComponent(m[1]);
    JSON.parse(json);
    return json;
  } catch {
    return undefined;
  }
}

function cancelled(e?: unknown): PgEntraError {
  return new PgEntraError('sign_in_cancelled', 'Cancelled: the Microsoft Graph request was stopped.', e === undefined ? {} : { cause: e });
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export class GraphClient {
  private readonly origin: string;
  private readonly agent: HttpsTransport;
  /** Graph's clock from its last answer (the Date header) against ours when it came. */
  private clock: { server: number; local: number } | undefined;

  constructor(private readonly opts: GraphClientOptions) {
    this.origin = new URL(opts.endpoint).origin;
    this.agent = new HttpsTransport({ keepAlive: true, ...(opts.resolveProxy ? { resolveProxy: opts.resolveProxy } : {}), ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}) });
  }

  get endpoint(): string {
    return this.origin;
  }

  /** Graph's time now, as its last answer's Date header says (to the second); undefined before any answer. */
  serverNow(): number | undefined {
    return this.clock ? this.clock.server + (Date.now() - this.clock.local) : undefined;
  }

  get<S extends z.ZodType>(pathOrUrl: string, schema: S): Promise<z.output<S>> {
    return this.request('GET', pathOrUrl, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>> {
    return this.request('POST', path, schema, body);
  }

  close(): void {
    this.agent.destroy();
  }

  /** The URL to ask, or a refusal before any token is fetched: Graph's own origin over https only. */
  private target(pathOrUrl: string): URL {
    let url: URL | undefined;
    try {
      // A path is ours (one leading slash: `//host` would name another host); a full URL is a server's link.
      if (/^\/(?![/\\])/.test(pathOrUrl)) url = new URL(`${this.origin}${pathOrUrl}`);
      else if (/^https?:\/\//i.test(pathOrUrl)) url = new URL(pathOrUrl);
    } catch {
      url = undefined;
    }
    // Next links come from the server: the token goes to the cloud's Graph origin only.
    if (!url || url.protocol !== 'https:' || url.origin !== this.origin) {
      const where = url ? url.origin : pathOrUrl.slice(0, 100);
      throw new PgEntraError('internal', `Microsoft Graph pointed pgEntra to ${where}. pgEntra sends its Graph token only to ${this.origin}, so it stopped there.`, {
        details: { origin: where },
      });
    }
    return url;
  }

  private async request<S extends z.ZodType>(method: 'GET' | 'POST', pathOrUrl: string, schema: S, body?: unknown, claims?: string): Promise<z.output<S>> {
    const url = this.target(pathOrUrl);
    const { caller } = this.opts;
    if (caller.signal?.aborted) throw cancelled();
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
    const date = Date.parse(String(res.headers.date ?? ''));
    if (!Number.isNaN(date)) this.clock = { server: date, local: Date.now() };
    if (res.status === 401) {
      const challenge = bearerParams(res.headers['www-authenticate']);
      const wanted = challenge.error === 'insufficient_claims' && challenge.claims ? Buffer.from(challenge.claims, 'base64').toString('utf8') : undefined;
      // Asked once with the claims; still refused → the person must step up (a StepUpRequired from the broker).
      if (wanted && !claims) return this.request(method, pathOrUrl, schema, body, wanted);
    }
    if (res.status < 200 || res.status >= 300) throw this.refusal(res);
    return this.parse(url, res, schema);
  }

  /** A 2xx answer as the schema says, or an error a person can act on (never a SyntaxError or a ZodError). */
  private parse<S extends z.ZodType>(url: URL, res: Answer, schema: S): z.output<S> {
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : {};
    } catch {
      // Graph answers JSON; HTML here is a proxy's or a gateway's page in its place.
      throw new PgEntraError('network_unavailable', `Microsoft Graph's answer to ${url.pathname} is not JSON (${String(res.headers['content-type'] ?? 'no content type')}).`, {
        hint: 'Something between pgEntra and Microsoft Graph (a proxy, a captive portal) may be answering in its place: check the network or proxy and try again.',
        details: { status: res.status },
      });
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'the answer';
    throw new PgEntraError('internal', `Microsoft Graph answered ${url.pathname} in a form pgEntra does not know (${where}: ${issue?.message ?? 'unexpected'}).`, {
      hint: 'Microsoft Graph may have changed: update pgEntra, and report this message if the newest version says the same.',
      details: { field: where },
    });
  }

  private refusal(res: Answer): GraphRequestError {
    const { status } = res;
    let err: GraphErrorBody = { code: `HTTP ${status}`, message: '' };
    try {
      const parsed = JSON.parse(res.text) as { error?: { code?: unknown; message?: unknown } };
      if (typeof parsed.error?.code === 'string') err = { code: parsed.error.code, message: typeof parsed.error.message === 'string' ? parsed.error.message : '' };
    } catch {
      // a gateway's HTML: the status says enough
    }
    const claims = claimsIn(err.message);
    const said = redact(err.message).slice(0, MAX_QUOTED);
    const wait = status === 429 || status === 503 ? retryAfterMs(res.headers['retry-after']) : undefined;
    const opts = { ...(wait !== undefined ? { retryAfterMs: wait } : {}), ...(claims ? { claims } : {}) };
    const quoted = `(${status} ${err.code})${said ? `: ${said}` : ''}`;
    if (status === 429) {
      const after = wait !== undefined ? `in ${Math.ceil(wait / 1000)} s` : 'in a minute';
      return new GraphRequestError(status, err.code, said, `Microsoft Graph is throttling requests ${quoted}.`, { ...opts, hint: `Try again ${after}.` });
    }
    if (status >= 500) {
      return new GraphRequestError(status, err.code, said, `Microsoft Graph could not answer ${quoted}.`, { ...opts, hint: 'It is usually brief: try again in a minute.' });
    }
    if (status === 401) {
      return new GraphRequestError(status, err.code, said, `Microsoft Graph did not accept the sign-in ${quoted}.`, {
        ...opts,
        hint: 'Sign in again for Microsoft Graph: pgentra login --scope graph (in the app: sign in again).',
      });
    }
    return new GraphRequestError(status, err.code, said, `Microsoft Graph refused the request ${quoted}.`, opts);
  }

  private send(method: string, url: URL, token: string, payload: string | undefined): Promise<Answer> {
    const timeoutMs = this.opts.timeoutMs ?? 30_000;
    const maxBytes = this.opts.maxResponseBytes ?? MAX_GRAPH_RESPONSE_BYTES;
    const { signal } = this.opts.caller;
    const tooLarge = (): PgEntraError =>
      new PgEntraError('network_unavailable', `Microsoft Graph's answer to ${url.pathname} is larger than ${maxBytes} bytes; pgEntra stopped reading it.`, {
        hint: 'PIM answers are small: something between pgEntra and Microsoft Graph (a proxy, a gateway) may be answering in its place. Check the network or proxy and try again.',
        details: { maxBytes },
      });
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${token}`, accept: 'application/json', 'user-agent': 'pgEntra' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      // The agent hands the request a verified TLS connection (directly or through the proxy's tunnel).
      const req = https.request(url, { method, headers, agent: this.agent, timeout: timeoutMs, ...(signal ? { signal } : {}) });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
      // Rejected first, then torn down: the reset that follows must not read as a network failure.
      const stop = (): void => {
        reject(tooLarge());
        req.destroy();
      };
      req.on('response', (res) => {
        if (Number(res.headers['content-length'] ?? 0) > maxBytes) return stop();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > maxBytes) stop();
          else chunks.push(c);
        });
        res.on('error', (e) => reject(this.failure(e, url)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', (e) => reject(this.failure(e, url)));
      req.end(payload);
    });
  }

  /** A transport failure in words: ours (too large), a cancel, the proxy's or TLS's, or the network's. */
  private failure(e: Error, url: URL): PgEntraError {
    if (isPgEntraError(e)) return e;
    const { signal } = this.opts.caller;
    // A caller's deadline (AbortSignal.timeout) is no answer in time, not a person's cancel.
    if (signal?.aborted && signal.reason instanceof Error && signal.reason.name === 'TimeoutError') {
      return new PgEntraError('network_unavailable', `Microsoft Graph at ${url.host} did not answer in time.`, { hint: 'Check the network or proxy (HTTPS_PROXY) and try again.', cause: e });
    }
    if (signal?.aborted || e.name === 'AbortError') return cancelled(e);
    return (
      this.agent.explain(e, url.href) ??
      new PgEntraError('network_unavailable', `Cannot reach Microsoft Graph at ${url.host}: ${(e as NodeJS.ErrnoException).code ?? e.message}.`, {
        hint: 'Check the network or proxy (HTTPS_PROXY) and try again.',
        cause: e,
      })
    );
  }
}
