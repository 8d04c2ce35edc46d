// Which proxy, if any, an HTTPS connection of pgEntra goes through: from the environment
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY — what curl, Go, Python and the Azure CLI read) or from the
// operating system's settings as Chromium resolves them for a URL (manual settings, WPAD, PAC),
// which the desktop app passes in. Loopback and link-local addresses are never proxied
// (noProxy.ts). Nothing here opens a connection; httpsTransport.ts does.
import { PgEntraError } from '../../shared/errors.js';
import { isNeverProxied, parseNoProxy, type NoProxyList } from './noProxy.js';
import { proxyUnusable } from './networkErrors.js';

export type ProxyDecision = { kind: 'direct' } | { kind: 'proxy'; url: URL; source: 'env' | 'system' };
export type ProxyResolver = (target: URL) => Promise<ProxyDecision>;

const DIRECT: ProxyDecision = { kind: 'direct' };

/** Connects directly, always (tests, and callers given no resolver). */
export const directResolver: ProxyResolver = () => Promise.resolve(DIRECT);

/**
 * The value of a variable in either case. The lower-case name wins when both are set, as in
 * curl, wget and Python: it is the original convention, and the one a person setting a proxy
 * for one shell usually types (Go prefers upper case; a difference only when both are set and
 * differ). An empty value counts as unset.
 */
function envValue(env: NodeJS.ProcessEnv, name: string): { name: string; value: string } | undefined {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) {
    const v = env[n]?.trim();
    if (v) return { name: n, value: v };
  }
  return undefined;
}

/** The default port of a proxy URL's scheme. */
export function proxyPort(proxy: URL): number {
  if (proxy.port) return Number(proxy.port);
  return proxy.protocol === 'https:' ? 443 : 80;
}

/**
 * A proxy URL as people write it: `http://host:port`, `https://…` (TLS to the proxy), or bare
 * `host:port` (http, as curl and Go assume). Credentials stay in the URL, percent-encoded; the
 * transport decodes them. Anything else (socks5://, a path only) is refused with a message that
 * never repeats a password.
 */
export function parseProxyUrl(value: string, what: string): URL {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  // The value may hold a password whose unencoded `/`, `#`, `?` or `@` breaks the URL apart:
  // nothing of it is ever repeated in a message, only what to fix.
  const unusable = (why: string): PgEntraError => proxyUnusable(what, `${why}; write it as http://HOST:PORT, with USER:PASSWORD@ before the host if needed, percent-encoding / # ? @ : and % in them`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw unusable('it is not a URL');
  }
  if (/^socks/i.test(url.protocol)) throw proxyUnusable(what, `${url.protocol}//… is a SOCKS proxy`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw proxyUnusable(what, `${url.protocol}//… (only http:// and https:// proxies)`);
  if (!url.hostname) throw unusable('it names no host');
  // A path, query or fragment is not part of a proxy URL: most likely a password cut in two.
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw unusable('it has a path, query or fragment after the host');
  return url;
}

/**
 * HTTPS_PROXY for https: targets, HTTP_PROXY for http: targets (neither falls back to the other,
 * as in curl and Go), NO_PROXY for exceptions. The variables are read when the resolver is made;
 * a value pgEntra cannot use fails the first connection that needs it (with proxy_failed), not
 * the commands that never go online.
 */
export function envProxyResolver(env: NodeJS.ProcessEnv): ProxyResolver {
  const https = envValue(env, 'https_proxy');
  const http = envValue(env, 'http_proxy');
  const noProxyValue = envValue(env, 'no_proxy')?.value;
  let noProxy: NoProxyList | undefined;
  const parsed = new Map<string, URL>();
  return (target) => {
    try {
      if (isNeverProxied(target.hostname)) return Promise.resolve(DIRECT);
      const setting = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
      if (!setting) return Promise.resolve(DIRECT);
      noProxy ??= parseNoProxy(noProxyValue);
      if (noProxy.matches(target.hostname, portOf(target))) return Promise.resolve(DIRECT);
      let url = parsed.get(setting.name);
      if (!url) {
        url = parseProxyUrl(setting.value, setting.name);
        parsed.set(setting.name, url);
      }
      return Promise.resolve({ kind: 'proxy', url: new URL(url.href), source: 'env' });
    } catch (e) {
      return Promise.reject(e instanceof PgEntraError ? e : new PgEntraError('internal', String(e)));
    }
  };
}

function portOf(target: URL): string {
  return target.port || (target.protocol === 'https:' ? '443' : target.protocol === 'http:' ? '80' : '');
}

/**
 * What Electron's `session.resolveProxy(url)` returns (Chromium's PAC format):
 * `"PROXY host:port; HTTPS host:port; SOCKS5 host:port; DIRECT"`, first choice first. The first
 * entry pgEntra can use wins: DIRECT, PROXY (http, default port 80), HTTPS (TLS to the proxy,
 * default 443). SOCKS and QUIC entries are skipped; a list of nothing else is an error that says
 * to set HTTPS_PROXY. An empty answer means direct.
 */
export function parseChromiumProxyList(text: string): ProxyDecision {
  const skipped: string[] = [];
  for (const raw of text.split(';')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [kind = '', address = ''] = entry.split(/\s+/, 2);
    const type = kind.toUpperCase();
    if (type === 'DIRECT') return DIRECT;
    if ((type === 'PROXY' || type === 'HTTPS') && address) {
      const scheme = type === 'HTTPS' ? 'https' : 'http';
      try {
        return { kind: 'proxy', url: new URL(`${scheme}://${address}`), source: 'system' };
      } catch {
        skipped.push(entry);
        continue;
      }
    }
    skipped.push(entry);
  }
  if (skipped.length === 0) return DIRECT;
  throw new PgEntraError('proxy_failed', `The system proxy settings offer only proxies pgEntra cannot use (${skipped.join('; ')}): SOCKS is not supported.`, {
    hint: 'Set HTTPS_PROXY=http://HOST:PORT to an HTTP proxy pgEntra can use (NO_PROXY for hosts reached directly).',
    details: { systemProxy: skipped.join('; ') },
  });
}

export interface CombinedResolverOptions {
  env: NodeJS.ProcessEnv;
  /** The desktop app: Electron's `session.resolveProxy` (OS settings, WPAD and PAC, as Chromium applies them). */
  systemProxy?: (url: string) => Promise<string>;
}

/**
 * The environment's variable for the URL's scheme when it is set (a person who sets it means it,
 * as every command-line tool assumes), else the system's answer for the URL. NO_PROXY applies to
 * both; loopback and link-local are never proxied.
 */
export function combinedResolver(opts: CombinedResolverOptions): ProxyResolver {
  const fromEnv = envProxyResolver(opts.env);
  if (!opts.systemProxy) return fromEnv;
  const systemProxy = opts.systemProxy;
  const noProxy = parseNoProxy(envValue(opts.env, 'no_proxy')?.value);
  // Per scheme: HTTPS_PROXY decides for https targets, HTTP_PROXY for http ones; a scheme whose
  // variable is unset asks the system (an HTTP_PROXY alone must not send Entra direct).
  const envFor = (target: URL): boolean => envValue(opts.env, target.protocol === 'https:' ? 'https_proxy' : 'http_proxy') !== undefined;
  return async (target) => {
    if (envFor(target)) return fromEnv(target);
    if (isNeverProxied(target.hostname) || noProxy.matches(target.hostname, portOf(target))) return DIRECT;
    let list: string;
    try {
      list = await systemProxy(target.href);
    } catch {
      // Chromium itself falls back to a direct connection when a PAC script fails; so do we.
      return DIRECT;
    }
    return parseChromiumProxyList(list);
  };
}
