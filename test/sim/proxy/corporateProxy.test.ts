// The simulated corporate proxy on localhost: CONNECT tunnels, Squid's refusals (403 for a port
// other than 443, 407 with its Proxy-Authenticate header, 503 for an unknown name or a refused
// connection), the CONNECT log tests assert on, TLS inspection with the "Contoso TLS Inspection
// Root", and that close() leaves no tunnel open.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, type CertificateAuthority } from '../ca.js';
import { startCorporateProxy, type CorporateProxy, type CorporateProxyOptions } from './corporateProxy.js';
import { getOver, issuerCn, RawProxyClient, startEchoServer, startHttpsServer } from './support.js';
import { TLS_INSPECTION_ROOT_NAME } from './tlsInspection.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let echo: Awaited<ReturnType<typeof startEchoServer>>;
let proxy: CorporateProxy | undefined;
const clients: RawProxyClient[] = [];

/** The proxy's name table: echo.example is the echo server; refused.example resolves to a closed port. */
function resolve(host: string, port: number): { host: string; port: number } | undefined {
  if (host === 'echo.example' && port === 443) return { host: '127.0.0.1', port: echo.port };
  if (host === 'refused.example') return { host: '127.0.0.1', port: 1 };
  return undefined;
}

async function open(options: Partial<CorporateProxyOptions> = {}): Promise<{ proxy: CorporateProxy; client: RawProxyClient }> {
  proxy = await startCorporateProxy({ resolve, ...options });
  const client = await RawProxyClient.open(proxy.address.port);
  clients.push(client);
  return { proxy, client };
}

beforeAll(async () => {
  echo = await startEchoServer('echo:');
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await proxy?.close();
  proxy = undefined;
});
afterAll(async () => {
  await echo.close();
});

describe('corporate proxy: CONNECT', () => {
  it('answers 200 Connection established and pipes bytes both ways', async () => {
    const { proxy, client } = await open();
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.address.port}`);
    const reply = await client.connect('echo.example:443');
    expect(reply.statusLine).toBe('HTTP/1.1 200 Connection established');
    client.socket.write('ping');
    expect(await client.read('echo:ping'.length)).toBe('echo:ping');
    expect(proxy.control.connects()).toEqual([{ host: 'echo.example', port: 443, status: 200, authenticated: false, inspected: false }]);
    expect(proxy.control.requestCount()).toBe(1);
  });

  it('refuses a port other than 443 with 403 ERR_ACCESS_DENIED (before asking for credentials), and keeps the connection', async () => {
    const { proxy, client } = await open({ auth: { user: 'alice', password: 's3cret' } });
    const reply = await client.connect('echo.example:5432');
    expect(reply.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(reply.headers.get('x-squid-error')).toBe('ERR_ACCESS_DENIED 0');
    expect(reply.headers.get('server')).toBe('squid');
    expect(reply.headers.get('content-type')).toBe('text/html;charset=utf-8');
    expect(reply.body).toContain('Access Denied.');
    expect(reply.headers.has('proxy-authenticate')).toBe(false);
    // Squid keeps the connection after a refused CONNECT: the client may send another.
    expect(reply.headers.get('connection')).toBe('keep-alive');
    const ok = await client.connect('echo.example:443', { 'Proxy-Authorization': basic('alice', 's3cret') });
    expect(ok.status).toBe(200);
    expect(proxy.control.connects().map((c) => [c.port, c.status])).toEqual([
      [5432, 403],
      [443, 200],
    ]);
  });

  it('answers 503 ERR_DNS_FAIL for a name its table does not know and 503 ERR_CONNECT_FAIL 111 for a refused connection', async () => {
    const { proxy, client } = await open();
    const unknown = await client.connect('nowhere.example:443');
    expect(unknown.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(unknown.headers.get('x-squid-error')).toBe('ERR_DNS_FAIL 0');
    expect(unknown.body).toContain('Unable to determine IP address from host name nowhere.example');
    const refused = await client.connect('refused.example:443');
    expect(refused.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(refused.headers.get('x-squid-error')).toBe('ERR_CONNECT_FAIL 111');
    expect(refused.body).toContain('(111) Connection refused');
    expect(proxy.control.connects().map((c) => [c.host, c.status])).toEqual([
      ['nowhere.example', 503],
      ['refused.example', 503],
    ]);
  });

  it('refuses plain-HTTP proxy requests with 403 and malformed CONNECT targets with 400', async () => {
    const { proxy, client } = await open();
    const bad = await client.connect('echo.example');
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-squid-error')).toBe('ERR_INVALID_URL 0');
    const get = await client.request('GET http://169.254.169.254/metadata/instance HTTP/1.1\r\nHost: 169.254.169.254\r\nMetadata: true\r\n\r\n');
    expect(get.status).toBe(403);
    expect(get.headers.get('connection')).toBe('close');
    expect(proxy.control.requestCount()).toBe(2);
  });

  it('a tunnel survives a request split across packets and bytes sent before the 200 arrives', async () => {
    const { client } = await open();
    client.socket.write('CONNECT echo.example:443 HTTP/1.1\r\nHost: ech');
    await new Promise((r) => setTimeout(r, 50));
    // The rest of the head and the first tunnel bytes in one packet (a pipelining client).
    const reply = await client.request('o.example:443\r\n\r\nearly');
    expect(reply.status).toBe(200);
    expect(await client.read('echo:early'.length)).toBe('echo:early');
  });
});

describe('corporate proxy: authentication', () => {
  it('407 without credentials, with the wrong ones and with another scheme; 200 with the right ones on the same connection', async () => {
    const { proxy, client } = await open({ auth: { user: 'alice', password: 's3cret' }, realm: 'Contoso corporate proxy' });
    const none = await client.connect('echo.example:443');
    expect(none.statusLine).toBe('HTTP/1.1 407 Proxy Authentication Required');
    expect(none.headers.get('proxy-authenticate')).toBe('Basic realm="Contoso corporate proxy"');
    expect(none.headers.get('x-squid-error')).toBe('ERR_CACHE_ACCESS_DENIED 0');
    expect(none.body).toContain('Cache Access Denied.');
    expect(none.headers.get('connection')).toBe('keep-alive');
    expect((await client.connect('echo.example:443', { 'Proxy-Authorization': basic('alice', 'wrong') })).status).toBe(407);
    expect((await client.connect('echo.example:443', { 'Proxy-Authorization': 'Bearer abc' })).status).toBe(407);
    expect((await client.connect('echo.example:443', { 'Proxy-Authorization': basic('bob', 's3cret') })).status).toBe(407);
    const ok = await client.connect('echo.example:443', { 'Proxy-Authorization': basic('alice', 's3cret') });
    expect(ok.statusLine).toBe('HTTP/1.1 200 Connection established');
    client.socket.write('x');
    expect(await client.read(6)).toBe('echo:x');
    expect(proxy.control.connects().map((c) => [c.status, c.authenticated])).toEqual([
      [407, false],
      [407, false],
      [407, false],
      [407, false],
      [200, true],
    ]);
    expect(proxy.control.requestCount()).toBe(5);
  });

  it('setAuth turns authentication on and off at run time; reset clears the log', async () => {
    const { proxy } = await open();
    proxy.control.setAuth({ user: 'u', password: 'p' });
    const a = await RawProxyClient.open(proxy.address.port);
    clients.push(a);
    expect((await a.connect('echo.example:443')).status).toBe(407);
    proxy.control.setAuth(undefined);
    expect((await a.connect('echo.example:443')).status).toBe(200);
    expect(proxy.control.connects()).toHaveLength(2);
    proxy.control.reset();
    expect(proxy.control.connects()).toEqual([]);
    expect(proxy.control.requestCount()).toBe(0);
  });
});

describe('corporate proxy: TLS inspection', () => {
  let simCa: CertificateAuthority;
  let inspectionCa: CertificateAuthority;
  let real: Awaited<ReturnType<typeof startHttpsServer>>;
  const HOST = 'login.microsoftonline.com';

  beforeAll(async () => {
    simCa = await createCertificateAuthority();
    inspectionCa = await createCertificateAuthority({ name: `CN=${TLS_INSPECTION_ROOT_NAME}, O=${TLS_INSPECTION_ROOT_NAME}` });
    real = await startHttpsServer(await simCa.issue({ dns: [HOST] }));
  });
  afterAll(async () => {
    await real.close();
  });

  const inspecting = (): Promise<{ proxy: CorporateProxy; client: RawProxyClient }> =>
    open({
      resolve: (host, port) => (host === HOST && port === 443 ? { host: '127.0.0.1', port: real.port } : resolve(host, port)),
      inspection: { ca: inspectionCa, upstreamCaPem: simCa.caCertPem, hosts: [HOST] },
    });

  it('presents a certificate for the host issued by "Contoso TLS Inspection Root" and reaches the real server (keep-alive and a long poll)', async () => {
    const { proxy, client } = await inspecting();
    expect((await client.connect(`${HOST}:443`)).status).toBe(200);
    const tls = await client.startTls(HOST, inspectionCa.caCertPem);
    const cert = tls.getPeerCertificate();
    expect(issuerCn(cert)).toBe(TLS_INSPECTION_ROOT_NAME);
    expect(cert.issuer.O).toBe(TLS_INSPECTION_ROOT_NAME);
    expect(cert.subjectaltname).toBe(`DNS:${HOST}`);
    expect(tls.alpnProtocol).toBe('http/1.1');
    expect(await getOver(tls, HOST, '/hello')).toEqual({ status: 200, body: 'hello from the real server /hello' });
    const started = Date.now();
    expect(await getOver(tls, HOST, '/slow')).toEqual({ status: 200, body: 'hello from the real server /slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(await getOver(tls, HOST, '/hello')).toEqual({ status: 200, body: 'hello from the real server /hello' });
    expect(real.connections()).toBe(1); // three requests, one upstream connection
    expect(proxy.control.connects()).toEqual([{ host: HOST, port: 443, status: 200, authenticated: false, inspected: true }]);
    tls.destroy();
  });

  it('a client that trusts only the simulator CA refuses the inspected certificate', async () => {
    const { client } = await inspecting();
    expect((await client.connect(`${HOST}:443`)).status).toBe(200);
    await expect(client.startTls(HOST, simCa.caCertPem)).rejects.toMatchObject({
      code: expect.stringMatching(/UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE/),
    });
  });

  it('hosts outside the inspection list are tunnelled untouched', async () => {
    const { proxy, client } = await inspecting();
    expect((await client.connect('echo.example:443')).status).toBe(200);
    client.socket.write('raw');
    expect(await client.read(8)).toBe('echo:raw');
    expect(proxy.control.connects()[0]?.inspected).toBe(false);
  });

  it('answers 503 ERR_SECURE_CONNECT_FAIL when the real server cannot be verified', async () => {
    const other = await createCertificateAuthority();
    const { client } = await open({
      resolve: (host) => (host === HOST ? { host: '127.0.0.1', port: real.port } : undefined),
      inspection: { ca: inspectionCa, upstreamCaPem: other.caCertPem, hosts: [HOST] },
    });
    const reply = await client.connect(`${HOST}:443`);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('x-squid-error')).toBe('ERR_SECURE_CONNECT_FAIL 0');
  });
});

describe('corporate proxy: stopping', () => {
  it('close() destroys open tunnels and stops listening', async () => {
    const { proxy, client } = await open();
    expect((await client.connect('echo.example:443')).status).toBe(200);
    const idle = await RawProxyClient.open(proxy.address.port);
    clients.push(idle);
    await proxy.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(client.closed).toBe(true);
    expect(idle.closed).toBe(true);
    await expect(RawProxyClient.open(proxy.address.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
