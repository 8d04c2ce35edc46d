// The namespace's network modes, checked from inside it with the tools a user has (curl, a TCP
// connect, psql's libpq through `pg`): behind the corporate proxy Entra, Resource Manager and
// Microsoft Graph are reachable only through proxy.contoso.example:3128, TLS-inspected by the "Contoso TLS Inspection
// Root" that sits in the OS trust store; IMDS and PostgreSQL stay direct; proxy credentials; the
// simulated system browser signs in through the proxy; `npm run sim` gives its command a managed
// workstation's environment; and each simulator's stop puts /etc/hosts and the trust store back.
import { createHash, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedAzure, type SimulatedAzure } from '../sim/index.js';
import { ENTRA_ADDRESS, NOWHERE_ADDRESS, OS_TRUST_STORE, PROXY_ADDRESS, PROXY_HOST, PROXY_URL, PUBLIC_SERVER } from '../sim/publicCloud.js';
import { TLS_INSPECTION_ROOT_NAME } from '../sim/proxy/tlsInspection.js';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../sim/types.js';
import { namespaceOrSkip, ROOT, run } from './fixture.js';

const skip = namespaceOrSkip();
const OPENID = 'https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration';
const TSX = ['--import', 'tsx'];

/** The environment of a user's shell here, minus anything that would hide what is being tested. */
function shellEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy', 'SSL_CERT_FILE', 'CURL_CA_BUNDLE']) delete env[k];
  return { ...env, ...extra };
}

const curl = (args: string[], env: NodeJS.ProcessEnv = shellEnv()) => run('curl', ['-sS', '--max-time', '20', ...args], { env, timeoutMs: 30_000 });

function tcpConnect(host: string, port: number): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port });
    s.setTimeout(5_000, () => {
      s.destroy();
      resolve('timeout');
    });
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

function imdsToken(): Promise<{ status: number; body: string }> {
  const url = `http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent(POSTGRES_RESOURCE)}`;
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { Metadata: 'true' }, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An app's loopback listener for the auth code's form_post, and an authorize URL that returns there. */
async function loopbackSignIn(): Promise<{ url: string; received: Promise<URLSearchParams>; server: Server }> {
  let deliver: (p: URLSearchParams) => void = () => undefined;
  const received = new Promise<URLSearchParams>((r) => (deliver = r));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.end('signed in');
      deliver(new URLSearchParams(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const verifier = randomBytes(32).toString('base64url');
  const q = new URLSearchParams({
    client_id: AZURE_CLI_CLIENT_ID,
    response_type: 'code',
    response_mode: 'form_post',
    redirect_uri: `http://localhost:${port}`,
    scope: `${POSTGRES_RESOURCE}/.default openid profile offline_access`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'network-modes',
  });
  return { url: `https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?${q.toString()}`, received, server };
}

/** As the namespace has them in its default mode, before any simulator of this file starts. */
const defaultHosts = skip ? '' : readFileSync('/etc/hosts', 'utf8');
const defaultTrust = skip ? '' : readFileSync(OS_TRUST_STORE, 'utf8');

describe.skipIf(skip !== undefined)('public cloud behind a TLS-inspecting corporate proxy', () => {
  let sim: SimulatedAzure;
  let simCa: string;

  beforeAll(async () => {
    sim = await startSimulatedAzure({ publicCloud: true, tlsInspection: true, autoApprove: ACCOUNTS.secondary });
    simCa = readFileSync(sim.caFile, 'utf8');
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('the proxy is proxy.contoso.example:3128; Entra, Resource Manager and Graph names lead nowhere: a direct connection is refused', async () => {
    expect(sim.proxy?.url).toBe(PROXY_URL);
    expect((await lookup(PROXY_HOST)).address).toBe(PROXY_ADDRESS);
    for (const name of ['login.microsoftonline.com', 'management.azure.com', 'login.windows.net', 'graph.microsoft.com', 'graph.microsoft.us']) {
      expect((await lookup(name)).address).toBe(NOWHERE_ADDRESS);
      expect(await tcpConnect(name, 443)).toBe('ECONNREFUSED');
    }
    const direct = await curl([OPENID]);
    expect(direct.code).toBe(7); // curl: failed to connect
  });

  it('curl through the proxy with only the OS trust store reaches Entra; the certificate is issued by the inspection root', async () => {
    sim.proxy?.control.reset();
    const r = await curl(['-v', '-x', PROXY_URL, OPENID]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' });
    expect(r.stderr).toMatch(new RegExp(`issuer: .*CN=${TLS_INSPECTION_ROOT_NAME}`));
    expect(sim.proxy?.control.connects()).toEqual([{ host: 'login.microsoftonline.com', port: 443, status: 200, authenticated: false, inspected: true }]);
    // Resource Manager too (its 401 for a request without a token).
    const arm = await curl(['-x', PROXY_URL, '-o', '/dev/null', '-w', '%{http_code}', 'https://management.azure.com/subscriptions?api-version=2022-12-01']);
    expect(arm.stdout).toBe('401');
    // And Microsoft Graph (PIM for Groups), inspected like the others.
    sim.proxy?.control.reset();
    const graph = await curl(['-x', PROXY_URL, 'https://graph.microsoft.com/v1.0/me']);
    expect(graph.code, graph.stderr).toBe(0);
    expect(JSON.parse(graph.stdout)).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } });
    expect(sim.proxy?.control.connects()).toEqual([{ host: 'graph.microsoft.com', port: 443, status: 200, authenticated: false, inspected: true }]);
  });

  it('a client that trusts only the simulator CA refuses the inspected certificate', async () => {
    const caOnly = path.join(sim.workDir, 'sim-ca-only.pem');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(caOnly, simCa);
    const r = await curl(['--cacert', caOnly, '-x', PROXY_URL, OPENID]);
    expect(r.code).toBe(60); // curl: peer certificate cannot be authenticated with known CA certificates
  });

  it('the OS trust store holds the machine bundle plus the simulator CA and the inspection root', () => {
    const store = readFileSync(OS_TRUST_STORE, 'utf8');
    expect(store.startsWith(defaultTrust.trimEnd())).toBe(true);
    expect(store).toContain(simCa.trim());
    expect(store).toContain((sim.inspectionCaPem ?? 'missing').trim());
  });

  it('IMDS is reached directly (never through the proxy)', async () => {
    sim.proxy?.control.reset();
    const r = await imdsToken();
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body)).toHaveProperty('access_token');
    expect(sim.proxy?.control.requestCount()).toBe(0);
  });

  it('PostgreSQL is reached directly with an Entra token (the server still verifies it against Entra), and the proxy refuses port 5432', async () => {
    expect(await tcpConnect(PUBLIC_SERVER, 5432)).toBe('connected');
    const token = sim.entra.control.mintAccessToken({ upn: ACCOUNTS.secondary });
    const client = new pg.Client({ host: PUBLIC_SERVER, port: 5432, database: 'postgres', user: ACCOUNTS.adminGroup, password: token, ssl: { ca: simCa } });
    await client.connect();
    try {
      const { rows } = await client.query<{ current_user: string }>('select current_user');
      expect(rows[0]?.current_user).toBe(ACCOUNTS.adminGroup);
    } finally {
      await client.end();
    }
    const viaProxy = await curl(['-x', PROXY_URL, `https://${PUBLIC_SERVER}:5432/`]);
    expect(viaProxy.code).toBe(56); // curl: CONNECT tunnel failed (403)
    expect(viaProxy.stderr).toContain('403');
  });

  it('the simulated system browser signs in through HTTPS_PROXY with the OS trust store, and fails without the proxy', async () => {
    sim.proxy?.control.reset();
    const browser = path.join(ROOT, 'test/sim/simBrowser.ts');
    const ok = await loopbackSignIn();
    try {
      const r = await run(process.execPath, [...TSX, browser, ok.url], { env: shellEnv({ HTTPS_PROXY: PROXY_URL }), cwd: ROOT });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`through the proxy ${PROXY_HOST}:3128`);
      const params = await ok.received;
      expect(params.get('code')).toBeTruthy();
      expect(params.get('state')).toBe('network-modes');
      expect(sim.proxy?.control.connects().every((c) => c.host === 'login.microsoftonline.com' && c.status === 200 && c.inspected)).toBe(true);
    } finally {
      ok.server.close();
    }
    const direct = await loopbackSignIn();
    try {
      const r = await run(process.execPath, [...TSX, browser, direct.url], { env: shellEnv(), cwd: ROOT });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/sign-in failed: .*ECONNREFUSED/);
    } finally {
      direct.server.close();
    }
  });
});

describe.skipIf(skip !== undefined)('public cloud behind an authenticating proxy without inspection', () => {
  let sim: SimulatedAzure;
  let simCaFile: string;

  beforeAll(async () => {
    sim = await startSimulatedAzure({ publicCloud: true, withServer: false, corporateProxy: { auth: { user: 'alice', password: 'Winter2026!' } } });
    simCaFile = sim.caFile;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('407 without credentials, Entra with them; the OS store is the machine one (the simulator CA comes through NODE_EXTRA_CA_CERTS-style trust only)', async () => {
    expect(readFileSync(OS_TRUST_STORE, 'utf8')).toBe(defaultTrust);
    const refused = await curl(['--cacert', simCaFile, '-x', PROXY_URL, OPENID]);
    expect(refused.code).toBe(56);
    expect(refused.stderr).toContain('407');
    const ok = await curl(['--cacert', simCaFile, '-x', PROXY_URL, '--proxy-user', 'alice:Winter2026!', OPENID]);
    expect(ok.code, ok.stderr).toBe(0);
    const untrusted = await curl(['-x', PROXY_URL, '--proxy-user', 'alice:Winter2026!', OPENID]);
    expect(untrusted.code).toBe(60);
    expect(sim.proxy?.control.connects().map((c) => [c.status, c.authenticated, c.inspected])).toEqual([
      [407, false, false],
      [200, true, false],
      [200, true, false],
    ]);
  });
});

describe.skipIf(skip !== undefined)('npm run sim behind the proxy', () => {
  it("gives its command a managed workstation's environment: HTTPS_PROXY without credentials, no NODE_EXTRA_CA_CERTS, the simulated browser", async () => {
    const script = [
      'echo "proxy=$HTTPS_PROXY"',
      'echo "extra=${NODE_EXTRA_CA_CERTS:-unset}"',
      'echo "browser=$BROWSER"',
      `curl -sS -o /dev/null -w "via-proxy=%{http_code}\\n" -x "$HTTPS_PROXY" ${OPENID}`,
      `curl -sS -o /dev/null --max-time 5 --noproxy '*' ${OPENID} || echo "direct=$?"`,
    ].join('; ');
    const r = await run(
      process.execPath,
      [...TSX, 'test/sim/cli.ts', '--public-cloud', '--corporate-proxy', '--tls-inspection', '--no-server', '--auto-approve', ACCOUNTS.secondary, '--', 'sh', '-c', script],
      { env: { ...process.env }, cwd: ROOT, timeoutMs: 90_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`proxy=${PROXY_URL}\n`);
    expect(r.stdout).toContain('extra=unset\n');
    expect(r.stdout).toMatch(/browser=\/.*sim-browser\.sh\n/);
    expect(r.stdout).toContain('via-proxy=200\n');
    expect(r.stdout).toContain('direct=7\n');
    expect(r.stdout).toContain('HTTPS_PROXY=http://proxy.contoso.example:3128 (no credentials');
    expect(r.stdout).toContain(`TLS inspection: certificates from "${TLS_INSPECTION_ROOT_NAME}"`);
  });
});

describe.skipIf(skip !== undefined)('after the proxy modes', () => {
  it('/etc/hosts and the OS trust store are the default ones again', async () => {
    expect(readFileSync(OS_TRUST_STORE, 'utf8')).toBe(defaultTrust);
    expect(readFileSync('/etc/hosts', 'utf8')).toBe(defaultHosts);
    expect((await lookup('login.microsoftonline.com')).address).toBe(ENTRA_ADDRESS);
    await expect(lookup(PROXY_HOST)).rejects.toMatchObject({ code: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });
  });
});
