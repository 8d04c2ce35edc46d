// The network failures that need their own message rather than "cannot reach Entra": a proxy
// asking for credentials (407), a proxy that refuses or cannot be reached, a certificate that
// does not chain to a trusted root (TLS inspection) or does not verify otherwise. They are
// PgEntraErrors from the start; MSAL and the Azure SDK wrap what the transport throws, so callers
// find them in the `cause` chain. A proxy's password never appears in a message or a detail.
import { PgEntraError, causeChain, isPgEntraError, type ErrorCode } from '../../shared/errors.js';

export const NETWORK_ERROR_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['proxy_auth_required', 'proxy_failed', 'tls_untrusted', 'tls_verification_failed']);

/** The first proxy/TLS PgEntraError in `e` or its causes (6 levels), if any. */
export function networkCauseOf(e: unknown): PgEntraError | undefined {
  for (const cur of causeChain(e)) if (isPgEntraError(cur) && NETWORK_ERROR_CODES.has(cur.code)) return cur;
  return undefined;
}

/** `user:password@` removed from every URL in a text (a proxy variable someone echoes back). */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/** A proxy as a person may see it: scheme, host and port — never its credentials. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}

/** Where the proxy setting came from, for hints. */
export type ProxySource = 'env' | 'system';

function settingName(source: ProxySource): string {
  return source === 'env' ? 'HTTPS_PROXY' : 'the system proxy settings';
}

/** `host:port` as a message shows it (`:443` left out). */
function targetLabel(target: { host: string; port: number }): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return target.port === 443 ? host : `${host}:${target.port}`;
}

export interface ProxyFailureContext {
  proxy: URL;
  source: ProxySource;
  target: { host: string; port: number };
}

/** 407: the proxy wants credentials (`hadCredentials`: the ones in the URL were refused). `schemes`: what Proxy-Authenticate offers. */
export function proxyAuthRequired(ctx: ProxyFailureContext, hadCredentials: boolean, schemes: readonly string[]): PgEntraError {
  const proxy = proxyLabel(ctx.proxy);
  const details = { proxy, target: targetLabel(ctx.target), status: 407, ...(schemes.length ? { proxyAuthenticate: schemes.join(', ') } : {}) };
  const basic = schemes.length === 0 || schemes.some((s) => s.toLowerCase() === 'basic');
  if (!basic) {
    return new PgEntraError(
      'proxy_auth_required',
      `The proxy ${proxy} asks for ${schemes.join('/')} authentication to reach ${targetLabel(ctx.target)} (407); pgEntra supports only Basic proxy authentication.`,
      {
        hint: `Ask IT to let ${ctx.target.host} through without authentication or with Basic authentication, or set HTTPS_PROXY to a proxy that does.`,
        details,
      },
    );
  }
  const example = `HTTPS_PROXY=${ctx.proxy.protocol}//USER:PASSWORD@${ctx.proxy.host}`;
  const encoding = 'percent-encode special characters in both (@ as %40, : as %3A, % as %25, / as %2F)';
  if (hadCredentials) {
    return new PgEntraError(
      'proxy_auth_required',
      `The proxy ${proxy} refused the user name and password given in ${settingName(ctx.source)} (407 Proxy Authentication Required) to reach ${targetLabel(ctx.target)}.`,
      {
        hint: `Check them (${example}); ${encoding}.`,
        details,
      },
    );
  }
  return new PgEntraError('proxy_auth_required', `The proxy ${proxy} requires a user name and password (407 Proxy Authentication Required) to reach ${targetLabel(ctx.target)}.`, {
    hint: `Put them into the proxy URL: ${example} — ${encoding}.`,
    details,
  });
}

/**
 * Text a server or proxy chose (a certificate's issuer name, a CONNECT reason phrase) as it may go
 * into a message: no control characters (no terminal escapes), at most `max` characters.
 */
export function printable(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** The proxy answered CONNECT with something other than 2xx/407 (403 by policy, 502/503 …). */
export function proxyRefused(ctx: ProxyFailureContext, status: number, reason: string): PgEntraError {
  const proxy = proxyLabel(ctx.proxy);
  const statusText = `${status}${reason ? ` ${printable(reason, 80)}` : ''}`;
  const why = status === 403 ? `Ask IT to allow ${ctx.target.host} through the proxy` : 'Try again later, or ask IT about the proxy';
  return new PgEntraError('proxy_failed', `The proxy ${proxy} refused the connection to ${targetLabel(ctx.target)} (${statusText}).`, {
    hint: `${why}; if ${ctx.target.host} is reachable without the proxy, add it to NO_PROXY (the proxy comes from ${settingName(ctx.source)}).`,
    details: { proxy, target: targetLabel(ctx.target), status },
  });
}

/** The proxy itself could not be reached (refused, unknown name, timeout, closed before answering). */
export function proxyUnreachable(ctx: ProxyFailureContext, why: string, cause?: unknown): PgEntraError {
  const proxy = proxyLabel(ctx.proxy);
  return new PgEntraError('proxy_failed', `Cannot reach the proxy ${proxy} (${why}) to connect to ${targetLabel(ctx.target)}.`, {
    hint:
      ctx.source === 'env'
        ? `Check HTTPS_PROXY (it names ${proxy}) and your network; to reach ${ctx.target.host} without the proxy, add it to NO_PROXY.`
        : `Check the system proxy settings (they name ${proxy}) and your network, or set HTTPS_PROXY to the proxy to use (NO_PROXY for hosts reached directly).`,
    details: { proxy, target: targetLabel(ctx.target), reason: why },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A proxy setting pgEntra cannot use (a SOCKS proxy, an unreadable URL). `shown` must already be free of credentials. */
export function proxyUnusable(what: string, shown: string): PgEntraError {
  return new PgEntraError('proxy_failed', `${what} names a proxy pgEntra cannot use: ${shown}.`, {
    hint: 'pgEntra speaks to HTTP proxies (http://HOST:PORT, or https:// for TLS to the proxy); SOCKS is not supported. Set HTTPS_PROXY=http://HOST:PORT (NO_PROXY for hosts reached directly).',
    details: { setting: what },
  });
}

/** How pgEntra's trust list is set up, for the untrusted-certificate hint (base/trustedRoots.ts describes it). */
export interface TrustFacts {
  osCertificates: boolean;
  /** e.g. `/etc/ssl/certs/ca-certificates.crt`, `the Windows certificate store`. */
  osSource?: string;
  osCount?: number;
  /** Why the OS store could not be read here (Windows under a Node without the API). */
  osNote?: string;
}

/**
 * The certificate `host` presented does not chain to a trusted root. `issuer`: the top of the
 * chain it presented (e.g. "Contoso TLS Inspection Root"), when a diagnostic handshake got it.
 */
export function tlsUntrusted(host: string, presented: string | undefined, verifyCode: string, trust: TrustFacts): PgEntraError {
  const issuer = presented === undefined ? undefined : printable(presented);
  const by = issuer ? ` was issued by "${issuer}", which pgEntra does not trust` : ` does not chain to a root pgEntra trusts (${verifyCode})`;
  const message = `The TLS certificate of ${host}${by}; nothing was sent. A TLS-inspecting proxy or firewall re-signs connections like this.`;
  const hint = trust.osCertificates
    ? trust.osNote && !trust.osCount
      ? `${trust.osNote} Meanwhile point NODE_EXTRA_CA_CERTS at a PEM file holding that root (NODE_EXTRA_CA_CERTS=FILE).`
      : `That root is not in the operating system's certificate store either${trust.osSource ? ` (pgEntra read ${trust.osCount ?? 0} roots from ${trust.osSource})` : ''}: ask IT to install it there, or point NODE_EXTRA_CA_CERTS at a PEM file holding it (NODE_EXTRA_CA_CERTS=FILE) and start pgEntra again.`
    : `If IT installed that root in the operating system's certificate store, let pgEntra trust the store: pgentra settings set trust-os-certificates on (in the app: Settings). Or point NODE_EXTRA_CA_CERTS at a PEM file holding it (NODE_EXTRA_CA_CERTS=FILE).`;
  return new PgEntraError('tls_untrusted', message, { hint, details: { host, verifyCode, ...(issuer ? { issuer } : {}), trustOsCertificates: trust.osCertificates } });
}

/** Any other verification failure (wrong host name, expired): not something a trust setting fixes. */
export function tlsVerificationFailed(host: string, verifyCode: string, reason: string): PgEntraError {
  return new PgEntraError('tls_verification_failed', `The TLS certificate of ${host} could not be verified (${verifyCode}: ${reason}); nothing was sent.`, {
    hint: 'Check the system clock and the network path (a proxy or firewall answering in its place); pgEntra never skips this check.',
    details: { host, verifyCode },
  });
}
