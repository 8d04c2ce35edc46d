// pgEntra's HTTPS transport through the simulated corporate proxy (test/sim/proxy): CONNECT
// tunnels to names only the proxy can resolve, Basic proxy authentication (407 → a message that
// names the proxy and never the password), the proxy's refusals, TLS inspection by the "Contoso
// TLS Inspection Root" (→ tls_untrusted naming that issuer and the trust setting; trusted once the
// root is in the OS store), the never-proxied addresses — and that these errors survive MSAL and
// the Azure SDK, which wrap what a transport throws.
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { connect as netConnect } from 'node:net';
import { createServer as tlsCreateServer } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CLOUDS } from '../../../shared/clouds.js';
import { PgEntraError } from '../../../shared/errors.js';
import { configureTrust } from '../../../electron/base/trustedRoots.js';
import { NodeNetworkClient } from '../../../electron/auth/networkClient.js';
import { mapMsalError } from '../../../electron/auth/msalErrors.js';
import { ArmClient } from '../../../electron/azure/armClient.js';
import { mapArmError } from '../../../electron/azure/armErrors.js';
import { HttpsTransport } from '../../../electron/net/httpsTransport.js';
import { envProxyResolver, type ProxyResolver } from '../../../electron/net/proxyConfig.js';
import { createCertificateAuthority, type CertificateAuthority, type TlsMaterial } from '../../sim/ca.js';
import { startCorporateProxy, type CorporateProxy, type CorporateProxyOptions } from '../../sim/proxy/corporateProxy.js';
import { TLS_INSPECTION_ROOT_DN, TLS_INSPECTION_ROOT_NAME } from '../../sim/proxy/tlsInspection.js';
import { pgEntraFailure } from '../../support/pgEntraFailure.js';

const LOGIN = 'login.sim.example';
const ARM = 'management.sim.example';
const PASSWORD = 'p@ss:w0rd%';

let simCa: CertificateAuthority;
let inspectionCa: CertificateAuthority;
let server: https.Server;
let serverPort = 0;
let requests: string[] = [];
let dir: string;
let caFile: string;
let proxy: CorporateProxy | undefined;

/** The proxy's name table: the simulated hosts are this process's HTTPS server. */
const resolve = (host: string, port: number): { host: string; port: number } | undefined => ((host === LOGIN || host === ARM) && port === 443 ? { host: '127.0.0.1', port: serverPort } : undefined);

async function startProxy(extra: Partial<CorporateProxyOptions> = {}): Promise<CorporateProxy> {
  proxy = await startCorporateProxy({ resolve, ...extra });
  return proxy;
}

function withCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.href;
}

/** GET through the transport; the body, or the error the request failed with. */
function get(agent: https.Agent, url: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const req = https.get(url, { agent }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolvePromise(body));
    });
    req.on('error', reject);
  });
}

function everything(e: PgEntraError): string {
  return `${e.message} ${e.hint ?? ''} ${JSON.stringify(e.details ?? {})}`;
}

function transport(resolveProxy: ProxyResolver): HttpsTransport {
  // The simulator's CA as a custom cloud's CA: the real server verifies, an inspecting proxy's does not.
  return new HttpsTransport({ extraCaPem: simCa.caCertPem, resolveProxy, connectTimeoutMs: 10_000 });
}

beforeAll(async () => {
  simCa = await createCertificateAuthority();
  inspectionCa = await createCertificateAuthority({ name: TLS_INSPECTION_ROOT_DN });
  const tls: TlsMaterial = await simCa.issue({ dns: [LOGIN, ARM, 'localhost'], ip: ['127.0.0.1'] });
  server = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    requests.push(`${req.headers.host ?? ''}${req.url ?? ''}`);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ host: req.headers.host, value: [] }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  serverPort = (server.address() as { port: number }).port;
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-transport-'));
  caFile = path.join(dir, 'sim-ca.pem');
  writeFileSync(caFile, simCa.caCertPem);
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  requests = [];
  configureTrust({ osCertificates: true });
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('through a CONNECT proxy', () => {
  it('tunnels to a name only the proxy resolves, with TLS verified end to end', async () => {
    const p = await startProxy();
    const body = await get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), `https://${LOGIN}/common/discovery`);
    expect(JSON.parse(body)).toMatchObject({ host: LOGIN });
    expect(p.control.connects()).toEqual([{ host: LOGIN, port: 443, status: 200, authenticated: false, inspected: false }]);
  });

  it('407 without credentials: proxy_auth_required naming the proxy, and how to give them', async () => {
    const p = await startProxy({ auth: { user: 'CONTOSO\\alice', password: PASSWORD } });
    const e = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), `https://${LOGIN}/x`));
    expect(e.code).toBe('proxy_auth_required');
    expect(e.message).toBe(`The proxy ${p.url} requires a user name and password (407 Proxy Authentication Required) to reach ${LOGIN}.`);
    expect(e.hint).toContain(`HTTPS_PROXY=http://USER:PASSWORD@${new URL(p.url).host}`);
    expect(e.hint).toContain('percent-encode');
    expect(requests).toEqual([]);
  });

  it('407 with wrong credentials: says they were refused, never repeats the password; the right ones (percent-encoded) work', async () => {
    const p = await startProxy({ auth: { user: 'CONTOSO\\alice', password: PASSWORD } });
    const wrong = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: withCredentials(p.url, 'CONTOSO\\alice', 'not-it-hunter2') })), `https://${LOGIN}/x`));
    expect(wrong.code).toBe('proxy_auth_required');
    expect(wrong.message).toContain(`The proxy ${p.url} refused the user name and password given in HTTPS_PROXY`);
    expect(everything(wrong)).not.toMatch(/hunter2|alice/);
    const right = await get(transport(envProxyResolver({ HTTPS_PROXY: withCredentials(p.url, 'CONTOSO\\alice', PASSWORD) })), `https://${LOGIN}/x`);
    expect(JSON.parse(right)).toMatchObject({ host: LOGIN });
    expect(p.control.connects().map((c) => [c.status, c.authenticated])).toEqual([
      [407, false],
      [200, true],
    ]);
  });

  it("the proxy's refusals (503 unknown name) and an unreachable proxy: proxy_failed naming the proxy and what it said", async () => {
    const p = await startProxy();
    const unknown = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), 'https://nowhere.sim.example/x'));
    expect(unknown.code).toBe('proxy_failed');
    expect(unknown.message).toMatch(new RegExp(`^The proxy ${p.url.replace(/\./g, '\\.')} refused the connection to nowhere\\.sim\\.example \\(503 `));
    expect(unknown.hint).toContain('NO_PROXY');
    const port = p.address.port;
    await p.close();
    proxy = undefined;
    const down = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: withCredentials(`http://127.0.0.1:${port}`, 'bob', 'hunter2') })), `https://${LOGIN}/x`));
    expect(down.code).toBe('proxy_failed');
    expect(down.message).toBe(`Cannot reach the proxy http://127.0.0.1:${port} (ECONNREFUSED) to connect to ${LOGIN}.`);
    expect(everything(down)).not.toContain('hunter2');
  });

  it('an https:// proxy URL: TLS to the proxy (verified with the same trust list), then the tunnel inside it', async () => {
    const p = await startProxy();
    const proxyTls = await simCa.issue({ dns: ['localhost'] });
    // A TLS front for the plain proxy, as a proxy that speaks TLS itself would be.
    const front = tlsCreateServer({ cert: proxyTls.certPem, key: proxyTls.keyPem }, (client) => {
      const upstream = netConnect({ host: '127.0.0.1', port: p.address.port });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    front.listen(0, '127.0.0.1');
    await once(front, 'listening');
    try {
      const port = (front.address() as { port: number }).port;
      const body = await get(transport(envProxyResolver({ HTTPS_PROXY: `https://localhost:${port}` })), `https://${LOGIN}/x`);
      expect(JSON.parse(body)).toMatchObject({ host: LOGIN });
      expect(p.control.connects()).toEqual([{ host: LOGIN, port: 443, status: 200, authenticated: false, inspected: false }]);
    } finally {
      front.close();
    }
  });

  it('loopback and link-local never go through a proxy, whatever the resolver says', async () => {
    const p = await startProxy();
    const alwaysProxy: ProxyResolver = () => Promise.resolve({ kind: 'proxy', url: new URL(p.url), source: 'system' });
    const body = await get(transport(alwaysProxy), `https://127.0.0.1:${serverPort}/local`);
    expect(JSON.parse(body)).toMatchObject({ host: `127.0.0.1:${serverPort}` });
    expect(p.control.requestCount()).toBe(0);
  });
});

describe('TLS inspection', () => {
  const inspecting = (): Promise<CorporateProxy> => startProxy({ inspection: { ca: inspectionCa, upstreamCaPem: simCa.caCertPem, hosts: [LOGIN, ARM] } });

  it('with the OS store off: tls_untrusted names the host, the issuer and the setting; nothing reaches the server', async () => {
    configureTrust({ osCertificates: false });
    const p = await inspecting();
    const e = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), `https://${LOGIN}/organizations/oauth2/v2.0/token`));
    expect(e.code).toBe('tls_untrusted');
    expect(e.message).toContain(`The TLS certificate of ${LOGIN} was issued by "${TLS_INSPECTION_ROOT_NAME}", which pgEntra does not trust; nothing was sent.`);
    expect(e.hint).toContain('pgentra settings set trust-os-certificates on');
    expect(e.details).toMatchObject({ issuer: TLS_INSPECTION_ROOT_NAME, host: LOGIN, trustOsCertificates: false });
    expect(requests).toEqual([]); // the diagnostic handshake sent no request
  });

  it('with the OS store on but the root not in it: the hint says to ask IT or use NODE_EXTRA_CA_CERTS', async () => {
    configureTrust({ osCertificates: true }, { systemRoots: () => ({ certificates: [], source: '/etc/ssl/certs/ca-certificates.crt' }) });
    const p = await inspecting();
    const e = await pgEntraFailure(get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), `https://${LOGIN}/x`));
    expect(e.code).toBe('tls_untrusted');
    expect(e.hint).toMatch(/not in the operating system's certificate store either \(pgEntra read 0 roots from \/etc\/ssl\/certs\/ca-certificates\.crt\): ask IT.*NODE_EXTRA_CA_CERTS=FILE/);
  });

  it('trusted once the inspection root is in the OS store (and the setting on)', async () => {
    configureTrust({ osCertificates: true }, { systemRoots: () => ({ certificates: [inspectionCa.caCertPem], source: 'test store' }) });
    const p = await inspecting();
    const body = await get(transport(envProxyResolver({ HTTPS_PROXY: p.url })), `https://${LOGIN}/x`);
    expect(JSON.parse(body)).toMatchObject({ host: LOGIN });
    expect(p.control.connects()).toEqual([{ host: LOGIN, port: 443, status: 200, authenticated: false, inspected: true }]);
  });

  it('a certificate for another name is tls_verification_failed (the host check stays as strict as Node’s)', async () => {
    const other = await simCa.issue({ dns: ['someone-else.example'] });
    const wrongName = https.createServer({ cert: other.certPem, key: other.keyPem }, (_req, res) => res.end('{}'));
    wrongName.listen(0, '127.0.0.1');
    await once(wrongName, 'listening');
    try {
      const port = (wrongName.address() as { port: number }).port;
      const e = await pgEntraFailure(get(transport(envProxyResolver({})), `https://localhost:${port}/x`));
      expect(e.code).toBe('tls_verification_failed');
      expect(e.message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      wrongName.close();
    }
  });
});

describe('the errors survive MSAL and the Azure SDK', () => {
  it("MSAL's token request: mapMsalError returns the proxy error, not network_unavailable", async () => {
    const p = await startProxy({ auth: { user: 'alice', password: PASSWORD } });
    const { ConfidentialClientApplication } = await import('@azure/msal-node');
    const authority = `https://${LOGIN}/contoso`;
    const metadata = {
      token_endpoint: `${authority}/oauth2/v2.0/token`,
      authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
      issuer: `${authority}/v2.0`,
      jwks_uri: `${authority}/discovery/v2.0/keys`,
      end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
    };
    const app = new ConfidentialClientApplication({
      auth: { clientId: '11111111-1111-1111-1111-111111111111', clientSecret: 'not-a-real-secret', authority, knownAuthorities: [LOGIN], authorityMetadata: JSON.stringify(metadata) },
      system: { networkClient: new NodeNetworkClient({ caFile, resolveProxy: envProxyResolver({ HTTPS_PROXY: p.url }) }) },
    });
    const raw = await app.acquireTokenByClientCredential({ scopes: ['https://ossrdbms-aad.database.windows.net/.default'] }).catch((x: unknown) => x);
    const mapped = mapMsalError(raw, { authorityHost: `https://${LOGIN}` });
    expect(mapped.code).toBe('proxy_auth_required');
    expect(mapped.message).toContain(p.url);
    expect(p.control.connects().map((c) => c.status)).toEqual([407]);
  });

  it("MSAL's GETs (authority metadata) swallow errors: the network client still knows the real reason", async () => {
    const p = await startProxy({ auth: { user: 'alice', password: PASSWORD } });
    const client = new NodeNetworkClient({ caFile, resolveProxy: envProxyResolver({ HTTPS_PROXY: p.url }) });
    expect(client.recentFailure()).toBeUndefined();
    await client.sendGetRequestAsync(`https://${LOGIN}/contoso/v2.0/.well-known/openid-configuration`).catch(() => undefined);
    expect(client.recentFailure()?.code).toBe('proxy_auth_required');
    expect(client.recentFailure(-1)).toBeUndefined();
  });

  it('an ARM call: mapArmError returns the proxy error; the SDK’s own proxy policy never replaces the agent', async () => {
    const p = await startProxy({ auth: { user: 'alice', password: PASSWORD } });
    const cloud = { ...BUILTIN_CLOUDS.public, managementEndpoint: `https://${ARM}`, caFile };
    const credential = { getToken: () => Promise.resolve({ token: 'arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    // HTTPS_PROXY in this process's environment would send the SDK's own proxy policy there; pgEntra's resolver decides instead.
    const before = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    try {
      const refused = new ArmClient({ cloud, credential, scope: `https://${ARM}/.default`, resolveProxy: envProxyResolver({ HTTPS_PROXY: p.url }), retryOptions: { maxRetries: 0 } });
      const e = mapArmError(await refused.getJson('/subscriptions?api-version=2022-12-01').catch((x: unknown) => x), { action: 'list the subscriptions' });
      refused.close();
      expect(e.code).toBe('proxy_auth_required');
      expect(e.hint).toContain('HTTPS_PROXY=http://USER:PASSWORD@');
      const ok = new ArmClient({ cloud, credential, scope: `https://${ARM}/.default`, resolveProxy: envProxyResolver({ HTTPS_PROXY: withCredentials(p.url, 'alice', PASSWORD) }) });
      expect(await ok.getJson('/subscriptions?api-version=2022-12-01')).toMatchObject({ host: ARM, value: [] });
      ok.close();
    } finally {
      if (before === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = before;
    }
    expect(p.control.connects().map((c) => [c.host, c.status])).toEqual([
      [ARM, 407],
      [ARM, 200],
    ]);
  });
});
