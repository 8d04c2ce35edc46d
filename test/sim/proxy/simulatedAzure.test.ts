// The simulated Azure with its corporate proxy on localhost (no namespace): the real MSAL signs in
// while the simulated system browser reaches Entra only through the proxy, TLS-inspected, trusting
// the inspection root as an OS store would; proxy credentials; and the simulator's stop closes it.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignInHeadless } from '../entra/browser.js';
import { msalClientFor } from '../entra/support.js';
import { startSimulatedAzure, type SimulatedAzure } from '../index.js';
import { signInAsSystemBrowser, systemProxyFor } from '../simBrowser.js';
import { ACCOUNTS, POSTGRES_RESOURCE } from '../types.js';
import { RawProxyClient } from './support.js';
import { TLS_INSPECTION_ROOT_NAME } from './tlsInspection.js';

const scopes = [`${POSTGRES_RESOURCE}/.default`];

describe('simulated Azure behind a TLS-inspecting proxy (localhost)', () => {
  let sim: SimulatedAzure;
  let entraPort: number;
  let simCa: string;

  beforeAll(async () => {
    sim = await startSimulatedAzure({ withServer: false, tlsInspection: true, autoApprove: null });
    entraPort = sim.entra.loginListener.port;
    simCa = readFileSync(sim.caFile, 'utf8');
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('exposes the proxy and the inspection root', () => {
    expect(sim.proxy?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const root = new X509Certificate(sim.inspectionCaPem ?? '');
    expect(root.subject).toContain(`CN=${TLS_INSPECTION_ROOT_NAME}`);
    expect(root.subject).toContain(`O=${TLS_INSPECTION_ROOT_NAME}`);
    expect(root.ca).toBe(true);
  });

  it('the browser signs in through the proxy, trusting only the inspection root; the CONNECT is logged as inspected', async () => {
    const proxy = sim.proxy;
    if (!proxy || !sim.inspectionCaPem) throw new Error('no proxy');
    proxy.control.reset();
    const inspectionRoot = sim.inspectionCaPem;
    const result = await msalClientFor(sim.entra, simCa).acquireTokenInteractive({
      scopes,
      openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: inspectionRoot, upn: ACCOUNTS.secondary, proxy: proxy.url })),
    });
    expect(result.account?.username).toBe(ACCOUNTS.secondary);
    const connects = proxy.control.connects();
    expect(connects.length).toBeGreaterThanOrEqual(1);
    for (const c of connects) expect(c).toEqual({ host: 'localhost', port: entraPort, status: 200, authenticated: false, inspected: true });
  });

  it('the browser that trusts only the simulator CA is refused under inspection', async () => {
    const proxy = sim.proxy;
    if (!proxy) throw new Error('no proxy');
    const url = `https://localhost:${entraPort}/organizations/oauth2/v2.0/authorize?client_id=x`;
    await expect(completeSignInHeadless(url, { caCertPem: simCa, proxy: proxy.url })).rejects.toThrow(/certificate/i);
  });

  it('the system browser takes HTTPS_PROXY, honours NO_PROXY and trusts PGENTRA_SIM_BROWSER_CA', async () => {
    const proxy = sim.proxy;
    if (!proxy || !sim.inspectionCaFile) throw new Error('no proxy');
    const url = `https://localhost:${entraPort}/organizations/oauth2/v2.0/authorize`;
    expect(systemProxyFor(url, { HTTPS_PROXY: proxy.url })).toBe(proxy.url);
    expect(systemProxyFor(url, { https_proxy: 'proxy.contoso.example:3128' })).toBe('http://proxy.contoso.example:3128');
    expect(systemProxyFor(url, { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,localhost' })).toBeUndefined();
    expect(systemProxyFor('http://localhost:1234/', { HTTPS_PROXY: proxy.url })).toBeUndefined();
    proxy.control.reset();
    const env = { HTTPS_PROXY: proxy.url, SSL_CERT_FILE: '/nonexistent', PGENTRA_SIM_BROWSER_CA: sim.inspectionCaFile };
    await msalClientFor(sim.entra, simCa).acquireTokenInteractive({
      scopes,
      openBrowser: async (u) => void (await signInAsSystemBrowser(u, { env, upn: ACCOUNTS.secondary })),
    });
    expect(proxy.control.connects().map((c) => c.status)).toContain(200);
  });

  it('CONNECT to a port the simulators do not serve is 403', async () => {
    const proxy = sim.proxy;
    if (!proxy) throw new Error('no proxy');
    const client = await RawProxyClient.open(proxy.address.port);
    try {
      expect((await client.connect('localhost:22')).status).toBe(403);
    } finally {
      client.close();
    }
  });
});

describe('simulated Azure behind an authenticating proxy (localhost)', () => {
  it('the browser gets 407 without credentials and signs in with them in the proxy URL; stop() closes the proxy', async () => {
    const sim = await startSimulatedAzure({ withServer: false, corporateProxy: { auth: { user: 'alice', password: 'p@ss:word' } } });
    try {
      const proxy = sim.proxy;
      if (!proxy) throw new Error('no proxy');
      expect(sim.inspectionCaPem).toBeUndefined();
      const ca = readFileSync(sim.caFile, 'utf8');
      const url = `https://localhost:${sim.entra.loginListener.port}/organizations/oauth2/v2.0/authorize?client_id=x`;
      await expect(completeSignInHeadless(url, { caCertPem: ca, proxy: proxy.url })).rejects.toThrow(/answered CONNECT localhost:\d+ with HTTP 407 Proxy Authentication Required/);
      const withCredentials = proxy.url.replace('://', `://alice:${encodeURIComponent('p@ss:word')}@`);
      const result = await msalClientFor(sim.entra, ca).acquireTokenInteractive({
        scopes,
        openBrowser: async (u) => void (await completeSignInHeadless(u, { caCertPem: ca, upn: ACCOUNTS.secondary, proxy: withCredentials })),
      });
      expect(result.account?.username).toBe(ACCOUNTS.secondary);
      const [refused, ...tunnels] = proxy.control.connects();
      expect(refused).toMatchObject({ status: 407, authenticated: false });
      expect(tunnels.length).toBeGreaterThanOrEqual(1);
      for (const c of tunnels) expect(c).toMatchObject({ status: 200, authenticated: true, inspected: false });
    } finally {
      await sim.stop();
    }
    const after = RawProxyClient.open(sim.proxy?.address.port ?? 0);
    await expect(after).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
