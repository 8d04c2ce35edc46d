// Shared pieces of the proxy tests: a broker-like TokenProvider over the Entra simulator, a
// profile for the simulated server, a log capture, and running psql/pgbench.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { createLogger, type Logger } from '../../../electron/log/logger.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import type { ProxyProfile } from '../../../electron/proxy/index.js';
import type { SimulatedAzure } from '../../sim/index.js';
import { simSessionTarget } from '../sessions/simTarget.js';

export const ADMIN_UPN = 'adm-alice@contoso.example';

/**
 * Like the broker: keeps the last token and hands it out while it has more than
 * `minValiditySeconds` (default 1 s) left, so short-lived tokens really expire in use.
 * Records every token it handed out so tests can look for them in logs and files.
 */
export class CachingSimTokenProvider implements TokenProvider {
  readonly issued: string[] = [];
  readonly requests: TokenRequest[] = [];
  failWith: Error | undefined;
  private cached: AccessToken | undefined;

  constructor(
    private readonly azure: SimulatedAzure,
    public lifetimeSeconds = 3600,
    private readonly upn = ADMIN_UPN,
    /** Margin when the request names none; 0 = hand a token out until its last millisecond. */
    private readonly defaultMinValiditySeconds = 1,
  ) {}

  async getToken(req: TokenRequest): Promise<AccessToken> {
    this.requests.push(req);
    if (this.failWith) throw this.failWith;
    const min = req.minValiditySeconds ?? this.defaultMinValiditySeconds;
    if (this.cached && this.cached.expiresOn.getTime() - Date.now() > min * 1000) return this.cached;
    const token = this.azure.entra.control.mintAccessToken({ upn: this.upn }, { lifetimeSeconds: this.lifetimeSeconds });
    this.issued.push(token);
    this.cached = { token, expiresOn: new Date(Date.now() + this.lifetimeSeconds * 1000), account: this.upn };
    return this.cached;
  }
}

/**
 * Saves a profile for the simulator's server in `home` as a person would: the custom cloud file
 * trusted (what `pgentra clouds trust` records) and its non-Azure host confirmed.
 */
export async function saveSimProfile(home: string, azure: SimulatedAzure, name = 'sim'): Promise<void> {
  await trustCloudFile(home, azure.stateFile);
  await openProfileStore(home).create({
    name,
    host: azure.state.server.host,
    port: azure.state.server.port,
    username: 'db-admins',
    credential: { kind: 'interactive', account: ADMIN_UPN },
    cloud: { customFile: azure.stateFile },
    confirmations: { nonAzureHost: true },
  });
}

export function simProfile(azure: SimulatedAzure, overrides: Partial<ProxyProfile> = {}): ProxyProfile {
  return {
    ...simSessionTarget(azure, { applicationName: 'pgEntra-proxy-test' }),
    id: '11111111-1111-4111-8111-111111111111',
    name: 'sim-admins',
    ...overrides,
  };
}

export interface CapturedLog {
  logger: Logger;
  lines: string[];
}

export function captureLog(): CapturedLog {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', sinks: [(l) => void lines.push(l)], scope: 'proxy-test' }) };
}

/** Environment for libpq tools with nothing inherited that could supply a password. */
export function libpqEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', PGPASSFILE: '/nonexistent/pgentra-test-pgpass', PGCONNECT_TIMEOUT: '10', LC_ALL: 'C', ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException & { code?: unknown }).code === 'number' ? (err as unknown as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export { spawn };

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs SQL as the simulated server's non-Entra superuser (test setup only), over verified TLS. */
export async function adminQuery(azure: SimulatedAzure, sql: string): Promise<void> {
  const c = new pg.Client({
    host: azure.state.server.host,
    port: azure.state.server.port,
    user: azure.state.server.adminUser,
    password: azure.state.server.adminPassword,
    database: 'postgres',
    ssl: { ca: readFileSync(azure.caFile, 'utf8'), servername: azure.state.server.host },
  });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** What pgbench and the tests need on the simulated server: db-admins may create tables; adm-alice has her own role. */
export async function prepareServer(azure: SimulatedAzure): Promise<void> {
  await adminQuery(azure, `GRANT CREATE ON SCHEMA public TO "db-admins"`);
  await adminQuery(azure, `SELECT pgaadauth_create_principal('${ADMIN_UPN}', false, false)`);
}
