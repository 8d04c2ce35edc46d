// What the proxy and certificate errors say, and the small parsers behind them: never a proxy
// password, the hint that fits the trust setting, the Basic credentials decoded from the URL,
// the proxy's CONNECT answer, and the issuer at the top of a presented chain.
import type { DetailedPeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { presentedIssuer } from '../../../electron/net/httpsTransport.js';
import { networkCauseOf, printable, proxyAuthRequired, proxyLabel, proxyRefused, proxyUnreachable, redactUrlCredentials, tlsUntrusted } from '../../../electron/net/networkErrors.js';
import { authSchemes, authority, basicProxyAuthorization, parseConnectResponse } from '../../../electron/net/proxyTunnel.js';
import { PgEntraError } from '../../../shared/errors.js';

const proxy = new URL('http://CONTOSO%5Calice:s3cr%40t@proxy.contoso.example:3128');
const ctx = { proxy, source: 'env' as const, target: { host: 'login.microsoftonline.com', port: 443 } };
const all = (e: PgEntraError): string => `${e.message} ${e.hint ?? ''} ${JSON.stringify(e.details)}`;

describe('proxy errors', () => {
  it('name the proxy without its credentials, anywhere', () => {
    expect(proxyLabel(proxy)).toBe('http://proxy.contoso.example:3128');
    for (const e of [proxyAuthRequired(ctx, true, ['Basic']), proxyAuthRequired(ctx, false, []), proxyRefused(ctx, 403, 'Forbidden'), proxyUnreachable(ctx, 'ECONNREFUSED')]) {
      expect(all(e)).toContain('http://proxy.contoso.example:3128');
      expect(all(e)).not.toMatch(/s3cr|alice/);
    }
    expect(redactUrlCredentials('HTTPS_PROXY=http://bob:hunter2@proxy:3128 and https://x@y/')).toBe('HTTPS_PROXY=http://proxy:3128 and https://y/');
  });

  it('407: how to give credentials, or that the given ones were refused; Negotiate/NTLM only: that pgEntra speaks Basic', () => {
    const none = proxyAuthRequired(ctx, false, ['Basic']);
    expect(none.code).toBe('proxy_auth_required');
    expect(none.hint).toBe(
      'Put them into the proxy URL: HTTPS_PROXY=http://USER:PASSWORD@proxy.contoso.example:3128 — percent-encode special characters in both (@ as %40, : as %3A, % as %25, / as %2F).',
    );
    expect(proxyAuthRequired(ctx, true, ['Basic']).message).toContain('refused the user name and password given in HTTPS_PROXY');
    expect(proxyAuthRequired({ ...ctx, source: 'system' }, true, []).message).toContain('given in the system proxy settings');
    const ntlm = proxyAuthRequired(ctx, false, ['Negotiate', 'NTLM']);
    expect(ntlm.message).toContain('asks for Negotiate/NTLM authentication');
    expect(ntlm.message).toContain('only Basic');
  });

  it('refusals and an unreachable proxy are proxy_failed, with NO_PROXY advice', () => {
    const refused = proxyRefused(ctx, 403, 'Forbidden');
    expect(refused).toMatchObject({ code: 'proxy_failed', message: 'The proxy http://proxy.contoso.example:3128 refused the connection to login.microsoftonline.com (403 Forbidden).' });
    expect(refused.hint).toMatch(/^Ask IT to allow login\.microsoftonline\.com through the proxy; .*NO_PROXY/);
    expect(proxyRefused({ ...ctx, target: { host: 'h', port: 8443 } }, 503, '').message).toContain('to h:8443 (503)');
    expect(proxyUnreachable({ ...ctx, source: 'system' }, 'ENOTFOUND').hint).toContain('system proxy settings');
  });

  it('networkCauseOf finds them inside wrappers (MSAL, the SDK)', () => {
    const inner = proxyRefused(ctx, 502, 'Bad Gateway');
    expect(networkCauseOf(new Error('outer', { cause: new Error('middle', { cause: inner }) }))).toBe(inner);
    expect(networkCauseOf(new PgEntraError('network_unavailable', 'x'))).toBeUndefined();
  });
});

describe('untrusted certificates', () => {
  it('name the host and the issuer; the hint follows the setting', () => {
    const off = tlsUntrusted('login.microsoftonline.com', 'Contoso TLS Inspection Root', 'SELF_SIGNED_CERT_IN_CHAIN', { osCertificates: false });
    expect(off.message).toBe(
      'The TLS certificate of login.microsoftonline.com was issued by "Contoso TLS Inspection Root", which pgEntra does not trust; nothing was sent. A TLS-inspecting proxy or firewall re-signs connections like this.',
    );
    expect(off.hint).toContain('pgentra settings set trust-os-certificates on (in the app: Settings)');
    const on = tlsUntrusted('management.azure.com', 'Contoso TLS Inspection Root', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', {
      osCertificates: true,
      osSource: '/etc/ssl/certs/ca-certificates.crt',
      osCount: 146,
    });
    expect(on.hint).toBe(
      "That root is not in the operating system's certificate store either (pgEntra read 146 roots from /etc/ssl/certs/ca-certificates.crt): ask IT to install it there, or point NODE_EXTRA_CA_CERTS at a PEM file holding it (NODE_EXTRA_CA_CERTS=FILE) and start pgEntra again.",
    );
    const unread = tlsUntrusted('h', undefined, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', { osCertificates: true, osCount: 0, osNote: 'This Node cannot read the Windows certificate store.' });
    expect(unread.message).toContain('does not chain to a root pgEntra trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE)');
    expect(unread.hint).toMatch(/^This Node cannot read the Windows certificate store\. Meanwhile point NODE_EXTRA_CA_CERTS/);
  });

  it('the issuer is the top of the presented chain: a sent root, or the last certificate’s issuer', () => {
    const cert = (cn: string, issuer: string, fp: string, up?: DetailedPeerCertificate): DetailedPeerCertificate =>
      ({ subject: { CN: cn }, issuer: { CN: issuer }, fingerprint256: fp, ...(up ? { issuerCertificate: up } : {}) }) as unknown as DetailedPeerCertificate;
    const root = cert('Contoso TLS Inspection Root', 'Contoso TLS Inspection Root', 'R');
    (root as { issuerCertificate: DetailedPeerCertificate }).issuerCertificate = root; // Node links a self-signed root to itself
    const intermediate = cert('Contoso Issuing CA 1', 'Contoso TLS Inspection Root', 'I', root);
    expect(presentedIssuer(cert('login.microsoftonline.com', 'Contoso Issuing CA 1', 'L', intermediate))).toBe('Contoso TLS Inspection Root');
    expect(presentedIssuer(cert('login.microsoftonline.com', 'Contoso Issuing CA 1', 'L'))).toBe('Contoso Issuing CA 1');
    expect(presentedIssuer(undefined)).toBeUndefined();
  });
});

describe('CONNECT', () => {
  it('Basic credentials come percent-decoded from the URL; none without them', () => {
    expect(basicProxyAuthorization(proxy)).toBe(`Basic ${Buffer.from('CONTOSO\\alice:s3cr@t').toString('base64')}`);
    expect(basicProxyAuthorization(new URL('http://proxy:3128'))).toBeUndefined();
    expect(basicProxyAuthorization(new URL('http://bob:100%@proxy:3128'))).toBe(`Basic ${Buffer.from('bob:100%').toString('base64')}`);
  });

  it('the authority form, and the answer parsed with its Proxy-Authenticate schemes', () => {
    expect(authority({ host: 'login.microsoftonline.com', port: 443 })).toBe('login.microsoftonline.com:443');
    expect(authority({ host: 'fd00::1', port: 443 })).toBe('[fd00::1]:443');
    const res = parseConnectResponse('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: Basic realm="Contoso"\r\nServer: squid');
    expect(res).toMatchObject({ status: 407, reason: 'Proxy Authentication Required' });
    expect(res && authSchemes(res)).toEqual(['Negotiate', 'Basic']);
    expect(parseConnectResponse('HTTP/1.0 200 Connection established')).toMatchObject({ status: 200 });
    expect(parseConnectResponse('SSH-2.0-OpenSSH_9.2')).toBeUndefined();
  });
});

describe('text a server chose', () => {
  it('a certificate issuer or proxy reason with terminal escapes is shown without them, and capped', () => {
    const e = tlsUntrusted('login.microsoftonline.com', 'Evil\u001b]8;;http://x\u0007Root\u009b2J', 'SELF_SIGNED_CERT_IN_CHAIN', { osCertificates: true, osCount: 1, osSource: 'x' });
    // eslint-disable-next-line no-control-regex
    expect(e.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(e.message).toContain('Evil');
    expect(printable('x'.repeat(500))).toHaveLength(201);
  });
});
