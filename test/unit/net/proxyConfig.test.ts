// Proxy selection: HTTPS_PROXY/HTTP_PROXY/NO_PROXY as curl and Go read them, the addresses that
// are never proxied (loopback, link-local: IMDS), Chromium's proxy lists (Electron's
// resolveProxy) and which source wins.
import { describe, expect, it } from 'vitest';
import { isPgEntraError } from '../../../shared/errors.js';
import { isNeverProxied, parseNoProxy } from '../../../electron/net/noProxy.js';
import { combinedResolver, envProxyResolver, parseChromiumProxyList, parseProxyUrl, proxyPort, type ProxyDecision } from '../../../electron/net/proxyConfig.js';

const url = (u: string): URL => new URL(u);
const shown = (d: ProxyDecision): string => (d.kind === 'direct' ? 'direct' : `${d.source}:${d.url.protocol}//${d.url.host}`);

describe('NO_PROXY', () => {
  const list = parseNoProxy('contoso.com, .fabrikam.example,*.wild.example , intranet:8443,10.0.0.0/8 ,192.168.1.7,[fd00::1]:443, fe90::/16 ,WeIrD.Example.');
  it.each([
    ['contoso.com', '443', true],
    ['login.contoso.com', '443', true],
    ['notcontoso.com', '443', false], // a suffix must start at a label
    ['contoso.com.evil.example', '443', false],
    ['fabrikam.example', '443', true], // leading dot ignored, as curl and Python do (Go differs)
    ['a.b.fabrikam.example', '443', true],
    ['wild.example', '443', true],
    ['x.wild.example', '443', true],
    ['intranet', '8443', true],
    ['intranet', '443', false], // host:port matches that port only (Go)
    ['10.20.30.40', '443', true], // CIDR
    ['11.0.0.1', '443', false],
    ['192.168.1.7', '80', true],
    ['192.168.1.8', '80', false],
    ['[fd00::1]', '443', true],
    ['fd00::1', '80', false],
    ['[fe90::5]', '443', true],
    ['weird.example', '443', true], // case and trailing dot
    ['CONTOSO.COM.', '443', true],
  ])('%s:%s → bypass %s', (host, port, expected) => {
    expect(list.matches(host, port)).toBe(expected);
  });

  it('`*` bypasses everything; empty entries and garbage are ignored', () => {
    expect(parseNoProxy('*').matches('login.microsoftonline.com', '443')).toBe(true);
    const odd = parseNoProxy(',, ,10.0.0.0/99,[,:,');
    expect(odd.matches('login.microsoftonline.com', '443')).toBe(false);
    expect(parseNoProxy(undefined).matches('a.example', '443')).toBe(false);
  });

  it('names are compared as written: an IP literal in NO_PROXY does not match a host name', () => {
    expect(parseNoProxy('127.0.0.2').matches('localhost2', '443')).toBe(false);
  });
});

describe('never proxied', () => {
  it.each(['localhost', 'LOCALHOST.', 'app.localhost', '127.0.0.1', '127.255.1.2', '[::1]', '::1', '169.254.169.254', '169.254.0.1', 'fe80::1', '[fe80::abcd:1]', '::ffff:127.0.0.1'])('%s', (host) => {
    expect(isNeverProxied(host)).toBe(true);
  });
  it.each(['login.microsoftonline.com', '10.0.0.1', '128.0.0.1', '169.255.0.1', 'fec0::1', '2001:db8::1', 'localhost.contoso.com'])('not %s', (host) => {
    expect(isNeverProxied(host)).toBe(false);
  });
});

describe('envProxyResolver', () => {
  it('HTTPS_PROXY for https targets, HTTP_PROXY for http targets, neither falls back to the other', async () => {
    const r = envProxyResolver({ HTTPS_PROXY: 'http://secure.proxy:3128', HTTP_PROXY: 'http://plain.proxy:8080' });
    expect(shown(await r(url('https://login.microsoftonline.com/x')))).toBe('env:http://secure.proxy:3128');
    expect(shown(await r(url('http://example.com/')))).toBe('env:http://plain.proxy:8080');
    const onlyHttp = envProxyResolver({ HTTP_PROXY: 'http://plain.proxy:8080' });
    expect(shown(await onlyHttp(url('https://login.microsoftonline.com/')))).toBe('direct');
    expect(shown(await envProxyResolver({})(url('https://login.microsoftonline.com/')))).toBe('direct');
  });

  it('either case; lower case wins when both are set; an empty value is unset', async () => {
    expect(shown(await envProxyResolver({ https_proxy: 'http://lower:1' })(url('https://a.example/')))).toBe('env:http://lower:1');
    expect(shown(await envProxyResolver({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' })(url('https://a.example/')))).toBe('env:http://lower:1');
    expect(shown(await envProxyResolver({ https_proxy: '', HTTPS_PROXY: 'http://upper:2' })(url('https://a.example/')))).toBe('env:http://upper:2');
    expect(shown(await envProxyResolver({ HTTPS_PROXY: 'http://p:1', no_proxy: 'a.example', NO_PROXY: 'b.example' })(url('https://a.example/')))).toBe('direct');
  });

  it('keeps percent-encoded credentials in the URL; bare host:port means http; default ports 80 and 443', async () => {
    const d = await envProxyResolver({ HTTPS_PROXY: 'http://CONTOSO%5Calice:p%40ss%3Aw0rd@proxy.contoso.example:3128' })(url('https://login.microsoftonline.com/'));
    expect(d.kind === 'proxy' && decodeURIComponent(d.url.username)).toBe('CONTOSO\\alice');
    expect(d.kind === 'proxy' && decodeURIComponent(d.url.password)).toBe('p@ss:w0rd');
    expect(proxyPort(parseProxyUrl('proxy.contoso.example', 'HTTPS_PROXY'))).toBe(80);
    expect(parseProxyUrl('proxy.contoso.example:3128', 'HTTPS_PROXY').protocol).toBe('http:');
    expect(proxyPort(parseProxyUrl('https://proxy.contoso.example', 'HTTPS_PROXY'))).toBe(443);
  });

  it('a password with an unencoded / # ? @ never appears in the message, whatever the URL parser made of it', () => {
    for (const value of ['http://user:pa/ss@proxy:3128', 'http://user:12/ab@proxy:3128', 'http://user:p#ss@proxy:3128', 'http://user:p?ss@proxy:3128', 'http://us@er:s3cret@proxy:3128/x']) {
      let message = '';
      try {
        parseProxyUrl(value, 'HTTPS_PROXY');
      } catch (e) {
        message = `${(e as Error).message} ${(e as { hint?: string }).hint ?? ''}`;
      }
      expect(message, value).toMatch(/HTTPS_PROXY/);
      for (const secret of ['pa/ss', '12/ab', 'p#ss', 'p?ss', 's3cret', 'user:', 'us@er']) expect(message, value).not.toContain(secret);
    }
  });

  it('NO_PROXY and the never-proxied addresses go directly', async () => {
    const r = envProxyResolver({ HTTPS_PROXY: 'http://proxy:3128', HTTP_PROXY: 'http://proxy:3128', NO_PROXY: '.database.azure.com' });
    expect(shown(await r(url('https://myserver.postgres.database.azure.com/')))).toBe('direct');
    expect(shown(await r(url('http://169.254.169.254/metadata/identity/oauth2/token')))).toBe('direct');
    expect(shown(await r(url('http://127.0.0.1:41234/msi/token')))).toBe('direct');
    expect(shown(await r(url('https://localhost:8443/')))).toBe('direct');
    expect(shown(await r(url('https://[::1]:8443/')))).toBe('direct');
    expect(shown(await r(url('https://[fe80::1]/')))).toBe('direct');
    expect(shown(await r(url('https://management.azure.com/')))).toBe('env:http://proxy:3128');
  });

  it('a proxy it cannot use fails the connection that needs it — with proxy_failed, never repeating the password', async () => {
    const socks = envProxyResolver({ HTTPS_PROXY: 'socks5://bob:hunter2@socks.contoso.example:1080' });
    const e = await socks(url('https://login.microsoftonline.com/')).catch((x: unknown) => x);
    expect(isPgEntraError(e) && e.code).toBe('proxy_failed');
    expect(String((e as Error).message)).toContain('SOCKS');
    expect(JSON.stringify(e) + (e as Error).message + ((e as { hint?: string }).hint ?? '')).not.toContain('hunter2');
    const bad = await envProxyResolver({ HTTPS_PROXY: 'http://bob:hunter2@[not a host' })(url('https://a.example/')).catch((x: unknown) => x);
    expect(isPgEntraError(bad) && bad.code).toBe('proxy_failed');
    expect((bad as Error).message).not.toContain('hunter2');
    // …and nothing is thrown when no connection needs it.
    expect(shown(await socks(url('https://127.0.0.1/')))).toBe('direct');
  });
});

describe("Chromium's proxy list (Electron's resolveProxy)", () => {
  it.each([
    ['DIRECT', 'direct'],
    ['', 'direct'],
    ['PROXY proxy.contoso.example:3128; DIRECT', 'system:http://proxy.contoso.example:3128'],
    ['PROXY proxy.contoso.example', 'system:http://proxy.contoso.example'],
    ['HTTPS secure.contoso.example:8443', 'system:https://secure.contoso.example:8443'],
    ['SOCKS5 socks:1080; PROXY fallback:8080', 'system:http://fallback:8080'],
    ['SOCKS socks:1080;DIRECT', 'direct'],
    ['QUIC q:443; PROXY p:1', 'system:http://p:1'],
    ['PROXY [fd00::8]:3128', 'system:http://[fd00::8]:3128'],
  ])('%j → %s', (text, expected) => {
    expect(shown(parseChromiumProxyList(text))).toBe(expected);
  });

  it('only SOCKS: an error that says to set HTTPS_PROXY', () => {
    let e: unknown;
    try {
      parseChromiumProxyList('SOCKS5 socks.contoso.example:1080; SOCKS4 other:1080');
    } catch (x) {
      e = x;
    }
    expect(isPgEntraError(e) && e.code).toBe('proxy_failed');
    expect(isPgEntraError(e) && e.hint).toContain('HTTPS_PROXY');
  });
});

describe('combinedResolver', () => {
  const asked: string[] = [];
  const systemProxy = (u: string): Promise<string> => {
    asked.push(u);
    return Promise.resolve('PROXY pac.contoso.example:8080; DIRECT');
  };

  it('the environment wins when the variable for the URL’s scheme is set', async () => {
    asked.length = 0;
    const r = combinedResolver({ env: { HTTPS_PROXY: 'http://env.proxy:3128' }, systemProxy });
    expect(shown(await r(url('https://login.microsoftonline.com/')))).toBe('env:http://env.proxy:3128');
    expect(asked).toEqual([]);
  });

  it('HTTP_PROXY alone does not send Entra (https) direct: the system still decides for https', async () => {
    asked.length = 0;
    const r = combinedResolver({ env: { HTTP_PROXY: 'http://env.proxy:3128' }, systemProxy });
    expect(shown(await r(url('https://login.microsoftonline.com/')))).toBe('system:http://pac.contoso.example:8080');
    expect(asked).toEqual(['https://login.microsoftonline.com/']);
  });

  it("else the system's answer for the URL, with NO_PROXY and the never-proxied addresses applied first", async () => {
    asked.length = 0;
    const r = combinedResolver({ env: { NO_PROXY: 'intranet.contoso.example' }, systemProxy });
    expect(shown(await r(url('https://login.microsoftonline.com/common')))).toBe('system:http://pac.contoso.example:8080');
    expect(asked).toEqual(['https://login.microsoftonline.com/common']);
    expect(shown(await r(url('https://intranet.contoso.example/')))).toBe('direct');
    expect(shown(await r(url('http://169.254.169.254/metadata')))).toBe('direct');
    expect(shown(await r(url('https://localhost:1234/')))).toBe('direct');
    expect(asked).toHaveLength(1);
  });

  it('a failing system lookup means direct (as Chromium does when a PAC script fails); no system resolver means the environment alone', async () => {
    const r = combinedResolver({ env: {}, systemProxy: () => Promise.reject(new Error('pac failed')) });
    expect(shown(await r(url('https://login.microsoftonline.com/')))).toBe('direct');
    expect(shown(await combinedResolver({ env: {} })(url('https://login.microsoftonline.com/')))).toBe('direct');
  });
});
