// `npm run sim -- --state FILE` as a user runs it: a separate process that writes the state
// file when ready, serves real logins, and stops cleanly on SIGTERM (no orphaned postgres).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimStateSchema, type SimState } from './types.js';

const root = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-simcli-'));
const stateFile = path.join(dir, 'state.json');
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function postgresProcessesUnder(workDir: string): string[] {
  const r = spawnSync('pgrep', ['-a', '-f', workDir], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes('postgres'));
}

async function fetchToken(state: SimState): Promise<string> {
  // The real MSAL against the running simulator, the auto-approved secondary ID completing
  // the browser step headlessly.
  const { PublicClientApplication } = await import('@azure/msal-node');
  const https = await import('node:https');
  const ca = readFileSync(state.caFile, 'utf8');
  const request = (method: 'GET' | 'POST', url: string, options?: { headers?: Record<string, string>; body?: string }) =>
    new Promise<{ headers: Record<string, string>; body: string; status: number }>((resolve, reject) => {
      const req = https.request(url, { method, ca, headers: options?.headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, String(v)])) }));
      });
      req.on('error', reject);
      if (options?.body) req.write(options.body);
      req.end();
    });
  const pca = new PublicClientApplication({
    auth: { clientId: state.clientId, authority: `${state.authorityHost}/${state.tenantId}`, knownAuthorities: state.knownAuthorities },
    system: {
      networkClient: {
        async sendGetRequestAsync<T>(url: string, options?: { headers?: Record<string, string> }) {
          const r = await request('GET', url, options);
          return { headers: r.headers, body: JSON.parse(r.body) as T, status: r.status };
        },
        async sendPostRequestAsync<T>(url: string, options?: { headers?: Record<string, string>; body?: string }) {
          const r = await request('POST', url, options);
          return { headers: r.headers, body: JSON.parse(r.body) as T, status: r.status };
        },
      },
    },
  });
  const { completeSignInHeadless } = await import('./entra/index.js');
  const result = await pca.acquireTokenInteractive({
    scopes: [`${state.resource}/.default`],
    openBrowser: async (url) => {
      void completeSignInHeadless(url, { caCertPem: ca });
    },
  });
  return result.accessToken;
}

describe('npm run sim', () => {
  it('writes the state file, serves a psql login as db-admins, and stops cleanly on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', '--state', stateFile, '--auto-approve', 'adm-alice@contoso.example'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => existsSync(stateFile), 60_000);
    const state = SimStateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')));
    expect(state.authorityHost).toMatch(/^https:\/\/localhost:\d+$/);
    expect(state.resource).toBe('https://ossrdbms-aad.database.windows.net');
    expect(readFileSync(state.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(state.accounts.map((a) => a.upn)).toContain('adm-alice@contoso.example');
    await waitFor(() => output.includes('Press Ctrl+C'), 10_000);

    const token = await fetchToken(state);
    const psql = spawnSync('psql', ['-X', '-A', '-t', '-c', 'select current_user'], {
      encoding: 'utf8',
      env: {
        ...process.env,
        PGHOST: state.server.host,
        PGPORT: String(state.server.port),
        PGDATABASE: 'postgres',
        PGUSER: 'db-admins',
        PGPASSWORD: token,
        PGSSLMODE: 'verify-full',
        PGSSLROOTCERT: state.caFile,
      },
    });
    expect(psql.stderr).toBe('');
    expect(psql.stdout.trim()).toBe('db-admins');

    const workDir = path.dirname(state.caFile);
    expect(postgresProcessesUnder(workDir).length).toBeGreaterThan(0);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child?.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    await waitFor(() => postgresProcessesUnder(workDir).length === 0, 10_000);
  });

  it('explains bad arguments', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', '--token-lifetime', 'soon'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain('--token-lifetime must be a whole number of seconds');
    expect(r.stderr).toContain('usage: npm run sim');
    const auth = spawnSync(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', '--corporate-proxy', '--proxy-auth', 'alice'], { cwd: root, encoding: 'utf8' });
    expect(auth.status).toBe(64);
    expect(auth.stderr).toContain('--proxy-auth must be USER:PASS');
  });
});
