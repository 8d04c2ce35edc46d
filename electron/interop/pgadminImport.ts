// pgAdmin 4 servers.json → pgEntra profile inputs. Pure: reads the file's JSON with zod (errors
// name the entry and field, e.g. `Servers.3.Port: must be an integer`), maps what pgEntra can keep
// and reports per server what it cannot (SSH tunnels, Kerberos, services, shared servers, another
// tool's password command …). Storing is the profile store's job (importProfiles).
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';
import { PROFILE_DEFAULTS, PROFILE_LIMITS, SSL_MODES, isHostInDomains, postgresDomainsFor, type Profile, type ProfileInput, type SslMode } from '../../shared/profile.js';
import { DEFAULT_PGADMIN_GROUP } from './pgadminExport.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const optText = z.string({ error: 'must be text' }).nullish();
const int = () => z.number({ error: 'must be an integer' }).int('must be an integer');

// Loose: pgAdmin adds keys over versions; unknown ones are reported, not refused.
const ServerSchema = z.looseObject(
  {
    Name: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }),
    Group: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }),
    MaintenanceDB: z.string({ error: (i) => (i.input === undefined ? 'is required' : 'must be text') }),
    Host: optText,
    Port: int().min(1, 'must be from 1 to 65535').max(65535, 'must be from 1 to 65535').nullish(),
    Username: optText,
    Service: optText,
    Comment: optText,
    BGColor: optText,
    FGColor: optText,
    SSLMode: optText,
    PasswordExecCommand: optText,
    PasswordExecExpiration: int().nullish(),
    ConnectionParameters: z.record(z.string(), scalar, { error: 'must be an object of libpq parameters' }).nullish(),
  },
  { error: 'must be an object describing one server' },
);
type PgAdminServerIn = z.infer<typeof ServerSchema>;

const FileSchema = z.object(
  { Servers: z.record(z.string(), ServerSchema, { error: (i) => (i.input === undefined ? 'is required (pgAdmin\'s export has { "Servers": { "1": {…} } })' : 'must be an object') }) },
  { error: 'must be a JSON object like { "Servers": { "1": {…} } }' },
);

/** Readable zod issues: `Servers.3.Port: must be an integer`. */
function describe(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.map(String).join('.') : '(file)'}: ${i.message}`);
}

export function parsePgAdminFile(input: string | unknown): Record<string, PgAdminServerIn> {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input.replace(/^\uFEFF/, ''));
    } catch (e) {
      throw new PgEntraError('invalid_input', `The pgAdmin file is not valid JSON (${e instanceof Error ? e.message : String(e)}).`);
    }
  }
  const r = FileSchema.safeParse(json);
  if (!r.success) {
    const lines = describe(r.error);
    throw new PgEntraError('invalid_input', `The pgAdmin file is not a pgAdmin servers export:\n${lines.slice(0, 20).join('\n')}${lines.length > 20 ? `\n… and ${lines.length - 20} more` : ''}`, {
      details: { issues: lines.length },
    });
  }
  return r.data.Servers;
}

export interface PgAdminImportOptions {
  /** Cloud of the imported profiles (the global --cloud). */
  cloud: Profile['cloud'];
  /** A custom cloud's postgresDomains. */
  customDomains?: readonly string[];
  /**
   * Hosts outside the cloud's PostgreSQL domains the person confirmed one by one (exact host
   * names, case-insensitive): only servers on these hosts are imported. Nothing confirms every
   * host of a file at once.
   */
  allowedHosts?: readonly string[];
  /**
   * Host and port pairs outside the cloud's domains confirmed in the app's dialog, which showed
   * each server's port: a server on such a host but another port is not covered.
   */
  allowedEndpoints?: readonly ImportEndpoint[];
  /** Replaced by allowedHosts: `true` is refused (it confirmed every host in the file at once). */
  allowNonAzureHost?: boolean;
  allowWeakerTls: boolean;
  /** The signed-in account to use (--account); otherwise interactive without an account yet. */
  account?: string;
  /** Put every imported profile in this folder instead of its pgAdmin group. */
  folder?: string;
}

export interface PlannedProfile {
  /** The key in Servers ("1", "2", …). */
  server: string;
  name: string;
  input: ProfileInput;
  /** Settings not kept, or changed, for this server (one sentence each). */
  notes: string[];
}
export interface RejectedServer {
  server: string;
  name: string;
  reasons: string[];
}
export interface ImportEndpoint {
  /** Lower case. */
  host: string;
  port: number;
}
export interface PgAdminImportPlan {
  profiles: PlannedProfile[];
  rejected: RejectedServer[];
  /** Hosts outside the cloud's domains not in allowedHosts (lower case, each once): confirm each or leave it out. */
  unconfirmedHosts: string[];
  /** The servers on those hosts, with the port each would get: what a confirmation dialog shows. */
  unconfirmedServers: Array<ImportEndpoint & { name: string }>;
}

export const ALLOW_NON_AZURE_HOST_REMOVED =
  '--allow-non-azure-host is no longer accepted for imports: it confirmed every host in the file at once. Confirm each host you trust with --allow-host HOST (repeat it per host).';

// Keys mapped to a profile field (or deliberately regenerated) — everything else is reported.
const MAPPED = new Set(['Name', 'Group', 'Host', 'Port', 'MaintenanceDB', 'Username', 'Comment', 'BGColor', 'ConnectionParameters', 'SSLMode', 'PasswordExecCommand', 'PasswordExecExpiration']);
// Keys pgAdmin writes with an "off" default; reported only when set.
const DEFAULT_OFF = new Set(['UseSSHTunnel', 'KerberosAuthentication', 'Shared', 'TunnelPort', 'TunnelAuthentication', 'TunnelKeepAlive', 'TunnelPromptPassword', 'SavePassword', 'PrepareThreshold']);
const WHY: Record<string, string> = {
  UseSSHTunnel: 'SSH tunnel not kept: pgEntra connects directly over TLS (the local proxy will cover private networks)',
  KerberosAuthentication: 'Kerberos authentication not kept: pgEntra signs in with Microsoft Entra ID',
  Service: 'pg_service.conf service not kept',
  Shared: 'shared-server setting not kept (pgAdmin server mode only)',
  SharedUsername: 'SharedUsername not kept (pgAdmin server mode only)',
  DBRestriction: 'database restriction (DBRestriction) not kept',
  DBRestrictionType: 'database restriction type not kept',
  Role: 'Role (SET ROLE after connecting) not kept',
  FGColor: 'foreground color not kept',
  Tags: 'tags not kept',
  PostConnectionSQL: 'post-connection SQL not kept',
  PrepareThreshold: 'prepare threshold not kept',
  PassFile: 'password file not kept: tokens come from Entra',
};

function isTruthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && v !== '0';
}

/** pgEntra's own command (any launcher, `token <id>`), which export regenerates. */
export function isPgEntraPasswordCommand(cmd: string): boolean {
  return (/pgentra(\.cmd|\.mjs)?\b/i.test(cmd) && /\btoken\b/.test(cmd)) || /electron[\\/]cli[\\/]bin\.mjs/.test(cmd);
}

function sslFrom(s: PgAdminServerIn, opts: PgAdminImportOptions, notes: string[]): { sslmode: SslMode; weakerTls: boolean } {
  const params = s.ConnectionParameters ?? undefined;
  // pgAdmin reads the legacy top-level SSLMode only when ConnectionParameters is absent.
  const raw = params ? params.sslmode : s.SSLMode;
  if (raw === undefined || raw === null || raw === '') return { sslmode: 'verify-full', weakerTls: false };
  const mode = String(raw);
  if (mode === 'verify-full') return { sslmode: 'verify-full', weakerTls: false };
  if ((SSL_MODES as readonly string[]).includes(mode)) {
    if (opts.allowWeakerTls) {
      notes.push(`sslmode ${mode} kept because of --allow-weaker-tls`);
      return { sslmode: mode as SslMode, weakerTls: true };
    }
    notes.push(`sslmode ${mode} changed to verify-full (pass --allow-weaker-tls to keep ${mode})`);
    return { sslmode: 'verify-full', weakerTls: false };
  }
  notes.push(`sslmode ${mode} changed to verify-full: the Entra token is a cleartext password and must only travel over verified TLS`);
  return { sslmode: 'verify-full', weakerTls: false };
}

function timeoutFrom(params: Record<string, unknown> | undefined, notes: string[]): number | undefined {
  const raw = params?.connect_timeout;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
  if (Number.isInteger(n) && n >= 1 && n <= 300) return n;
  notes.push(`connect_timeout ${String(raw)} not kept (pgEntra allows 1–300 seconds; default used)`);
  return undefined;
}

function reportUnmapped(s: PgAdminServerIn, notes: string[]): void {
  for (const [key, value] of Object.entries(s)) {
    if (MAPPED.has(key)) continue;
    if (value === undefined || value === null || value === '') continue;
    if (DEFAULT_OFF.has(key) && !isTruthy(value)) continue;
    if (key.startsWith('Tunnel')) {
      if (isTruthy(s.UseSSHTunnel)) continue; // covered by the UseSSHTunnel note
      notes.push(`${key} not kept`);
      continue;
    }
    notes.push(WHY[key] ? `${WHY[key]}${key === 'Service' ? ` (${String(value)})` : ''}` : `${key} not kept`);
  }
  for (const [key, value] of Object.entries(s.ConnectionParameters ?? {})) {
    if (key === 'sslmode' || key === 'connect_timeout' || value === null || value === '') continue;
    if (key === 'sslrootcert') {
      notes.push(`sslrootcert ${String(value)} not kept: pgEntra verifies Azure servers against the system roots (or the custom cloud's CA)`);
      continue;
    }
    notes.push(`connection parameter ${key} not kept`);
  }
}

function folderFrom(group: string, opts: PgAdminImportOptions): string {
  if (opts.folder !== undefined) return opts.folder;
  const g = group.trim();
  // Our own export writes "pgEntra" for profiles without a folder: map it back.
  return g === DEFAULT_PGADMIN_GROUP ? '' : g.slice(0, PROFILE_LIMITS.folder);
}

export function planPgAdminImport(input: string | unknown, opts: PgAdminImportOptions): PgAdminImportPlan {
  if (opts.allowNonAzureHost === true) throw new PgEntraError('invalid_input', ALLOW_NON_AZURE_HOST_REMOVED);
  const servers = parsePgAdminFile(input);
  const plan: PgAdminImportPlan = { profiles: [], rejected: [], unconfirmedHosts: [], unconfirmedServers: [] };
  const domains = postgresDomainsFor(opts.cloud, opts.customDomains);
  const allowed = new Set((opts.allowedHosts ?? []).map((h) => h.trim().toLowerCase()).filter((h) => h !== ''));
  const endpointKey = (host: string, port: number): string => JSON.stringify([host.trim().toLowerCase(), port]);
  const allowedEndpoints = new Set((opts.allowedEndpoints ?? []).map((e) => endpointKey(e.host, e.port)));
  for (const [key, s] of Object.entries(servers)) {
    const name = s.Name;
    const notes: string[] = [];
    const reasons: string[] = [];
    if (!s.Host) reasons.push(s.Service ? `uses the pg_service.conf service "${s.Service}" and no Host: pgEntra needs the server's host name` : 'has no Host');
    if (!s.Username) reasons.push('has no Username');
    if (s.Port === undefined || s.Port === null) {
      if (s.Host) notes.push('no Port given: 5432 used');
    }
    if (s.PasswordExecCommand && !isPgEntraPasswordCommand(s.PasswordExecCommand)) notes.push('PasswordExecCommand of another tool not kept: pgEntra fetches the Entra token itself');
    const host = (s.Host ?? '').trim().toLowerCase();
    let nonAzure = false;
    // The port the profile gets: what a host confirmation is bound to.
    const port = s.Port ?? PROFILE_DEFAULTS.port;
    if (host && !isHostInDomains(host, domains)) {
      if (allowed.has(host) || allowedEndpoints.has(endpointKey(host, port))) {
        nonAzure = true;
        notes.push(`${host} is outside ${domains.length ? domains.join(', ') : "the cloud's PostgreSQL domains"}: imported because you confirmed this host`);
      } else {
        if (!plan.unconfirmedHosts.includes(host)) plan.unconfirmedHosts.push(host);
        plan.unconfirmedServers.push({ host, port, name });
        reasons.push(
          `${host} is not an Azure PostgreSQL host (${domains.length ? domains.map((d) => `*${d}`).join(', ') : 'no domains known for this cloud'}): pgEntra would send it your Entra token. Import it with --allow-host ${host} if you trust it`,
        );
      }
    }
    if (reasons.length) {
      plan.rejected.push({ server: key, name, reasons });
      continue;
    }
    const ssl = sslFrom(s, opts, notes);
    const timeout = timeoutFrom(s.ConnectionParameters ?? undefined, notes);
    reportUnmapped(s, notes);
    let notesText = s.Comment ?? undefined;
    if (notesText && notesText.length > PROFILE_LIMITS.notes) {
      notes.push(`Comment shortened to ${PROFILE_LIMITS.notes} characters`);
      notesText = notesText.slice(0, PROFILE_LIMITS.notes);
    }
    let color: string | undefined;
    if (s.BGColor) {
      if (/^#[0-9a-f]{6}$/i.test(s.BGColor)) color = s.BGColor.toLowerCase();
      else notes.push(`BGColor ${s.BGColor} not kept (pgEntra needs #rrggbb)`);
    }
    const confirmations = { ...(nonAzure ? { nonAzureHost: true as const } : {}), ...(ssl.weakerTls ? { weakerTls: true as const } : {}) };
    const profileInput: ProfileInput = {
      name: name.trim().slice(0, PROFILE_LIMITS.name),
      folder: folderFrom(s.Group, opts),
      host: s.Host ?? '',
      ...(s.Port !== undefined && s.Port !== null ? { port: s.Port } : {}),
      database: s.MaintenanceDB,
      username: s.Username ?? '',
      credential: { kind: 'interactive', ...(opts.account ? { account: opts.account } : {}) },
      cloud: opts.cloud,
      sslmode: ssl.sslmode,
      ...(timeout !== undefined ? { connectTimeoutSeconds: timeout } : {}),
      ...(color ? { color } : {}),
      ...(notesText ? { notes: notesText } : {}),
      confirmations,
    };
    plan.profiles.push({ server: key, name, input: profileInput, notes });
  }
  return plan;
}
