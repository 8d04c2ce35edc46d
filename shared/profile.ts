// Server profiles: the one schema shared by the main process, the CLI, the renderer and the
// pgAdmin export. A profile says where to connect and which identity to use — never a secret:
// tokens are fetched from Entra at connect time. Plain zod, no Node imports (the renderer uses it).
import { z } from 'zod';
import { BUILTIN_CLOUD_NAMES, BUILTIN_CLOUDS, isBuiltinCloudName, type BuiltinCloudName } from './clouds.js';
import { FlexibleServerIdSchema } from './azure.js';
import { CredentialSchema } from './credential.js';
import { PgEntraError } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Constants

export const PROFILE_LIMITS = {
  name: 100,
  username: 128,
  notes: 2000,
  /** PostgreSQL identifiers (database, application_name) are truncated at NAMEDATALEN-1 bytes. */
  identifierBytes: 63,
  folder: 100,
} as const;

export const SSL_MODES = ['verify-full', 'verify-ca', 'require'] as const;
export type SslMode = (typeof SSL_MODES)[number];
/** libpq modes that may send the token unencrypted or to an unverified server without TLS. */
const PLAINTEXT_SSL_MODES = ['disable', 'allow', 'prefer'];

export type BuiltinCloud = BuiltinCloudName;

export const PROFILE_DEFAULTS = {
  folder: '',
  port: 5432,
  database: 'postgres',
  cloud: 'public',
  sslmode: 'verify-full',
  applicationName: 'pgEntra',
  connectTimeoutSeconds: 15,
  confirmations: {},
  credential: { kind: 'interactive' },
} as const satisfies Record<string, unknown>;

/** Human labels used to prefix every field error so a message always names its field. */
export const PROFILE_FIELD_LABELS: Readonly<Record<string, string>> = {
  id: 'Id',
  name: 'Name',
  folder: 'Folder',
  host: 'Host',
  port: 'Port',
  database: 'Database',
  username: 'Username',
  credential: 'Credential',
  cloud: 'Cloud',
  sslmode: 'SSL mode',
  applicationName: 'Application name',
  connectTimeoutSeconds: 'Connect timeout',
  color: 'Color',
  notes: 'Notes',
  confirmations: 'Confirmations',
  azure: 'Azure server',
  createdAt: 'Created at',
  updatedAt: 'Updated at',
};

// ---------------------------------------------------------------------------------------------
// Field schemas. Messages say what is wrong and what to do; the field label is prefixed later.

/** A string schema whose type error reads naturally ("is required" / "must be text"). */
function text(): z.ZodString {
  return z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') });
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

const NameSchema = text()
  .trim()
  .min(1, 'is required: give the server a name')
  .max(PROFILE_LIMITS.name, `must be at most ${PROFILE_LIMITS.name} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

const FolderSchema = text()
  .trim()
  .max(PROFILE_LIMITS.folder, `must be at most ${PROFILE_LIMITS.folder} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

// IPv4 dotted quad, each part 0–255 without leading zeros (leading zeros are octal to some parsers).
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isIPv4Literal(s: string): boolean {
  return IPV4.test(s);
}

/** RFC 4291 text form, incl. `::` compression and a trailing IPv4 part; no zone id, no brackets. */
export function isIPv6Literal(s: string): boolean {
  if (!s.includes(':') || s.length > 45) return false;
  let groups = s;
  let extra = 0;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    groups = s.slice(0, lastColon + 1) + '0:0'; // the IPv4 part counts as two groups
    extra = 0;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parse = (h: string): string[] | null => {
    if (h === '') return [];
    const parts = h.split(':');
    return parts.every((p) => /^[0-9a-f]{1,4}$/i.test(p)) ? parts : null;
  };
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (left === null || right === null) return false;
  const count = left.length + right.length + extra;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  // An all-numeric name that is not a valid IPv4 literal (e.g. 999.1.1.1) is a typo, not a host.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => DNS_LABEL.test(l));
}

/** Explains a pasted URL, host:port, path or user@host instead of just "invalid". */
function hostProblem(raw: string): string | undefined {
  const s = raw;
  if (s.length === 0) return 'is required, e.g. myserver.postgres.database.azure.com';
  if (s.length > 253) return 'must be at most 253 characters';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(s);
  if (scheme) {
    const hostPart = (scheme[2] ?? '').replace(/^[^@]*@/, '').replace(/:\d*$/, '');
    return `must be just the server name, without "${scheme[1]}://"${hostPart ? ` — enter ${hostPart}` : ''} (put the port in the Port field)`;
  }
  if (isIPv4Literal(s) || isIPv6Literal(s)) return undefined;
  if (/^\[.*\]$/.test(s)) return 'enter the IPv6 address without the square brackets';
  if (/^\[.*\]:\d+$/.test(s)) return 'must not include a port: enter the IPv6 address without brackets and put the port in the Port field';
  if (s.includes('@')) return 'must not include a user name: enter only the server name and put the user in Username';
  if (s.includes('/') || s.includes('?') || s.includes('#')) return 'must be just the server name, without a path like "/postgres"';
  const hp = /^([^:]+):(\d*)$/.exec(s);
  if (hp) return `must not include a port: enter ${hp[1]} and put ${hp[2] || 'the port'} in the Port field`;
  if (/\s/.test(s)) return 'must not contain spaces';
  if (s.endsWith('.')) return 'must not end with a dot';
  if (!isDnsName(s)) return 'must be a DNS name like myserver.postgres.database.azure.com or an IP address (letters, digits, hyphens and dots only)';
  return undefined;
}

/** Hosts are case-insensitive: stored trimmed and lowercase so duplicate detection is exact. */
const HostSchema = text()
  .trim()
  .transform((s, ctx) => {
    const problem = hostProblem(s);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return s.toLowerCase();
  });

const PortSchema = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number from 1 to 65535') })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65535, 'must be a whole number from 1 to 65535');

const DatabaseSchema = text()
  .min(1, 'is required (the maintenance database is usually "postgres")')
  .refine((s) => s.trim() === s, 'must not start or end with spaces')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .refine((s) => utf8Bytes(s) <= PROFILE_LIMITS.identifierBytes, `must be at most ${PROFILE_LIMITS.identifierBytes} bytes (PostgreSQL's name limit)`);

// Role names are case-sensitive and may contain spaces (group display names), so the value is
// kept exactly as typed; only leading/trailing whitespace is refused because it is always a typo.
const UsernameSchema = text()
  .min(1, 'is required: your Entra UPN, the exact name of an Entra group you belong to, or a managed identity name')
  .max(PROFILE_LIMITS.username, `must be at most ${PROFILE_LIMITS.username} characters`)
  .refine((s) => s.trim() === s, 'must not start or end with spaces (role names are matched exactly)')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

const ABSOLUTE_PATH = /^(\/|[a-z]:[\\/]|\\\\)/i;
const CustomCloudSchema = z.strictObject(
  {
    customFile: text()
      .min(1, 'needs the path of the custom cloud file')
      .refine((p) => ABSOLUTE_PATH.test(p), 'file must be an absolute path (like /etc/pgentra/cloud.json or C:\\pgentra\\cloud.json)')
      .refine((p) => !CONTROL_CHARS.test(p), 'file path must not contain control characters'),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown settings: ${iss.keys.join(', ')}` : 'must be "public", "usgov", "china" or { customFile: "/absolute/path.json" }') },
);
export const CloudSchema = z.union([z.enum(BUILTIN_CLOUD_NAMES), CustomCloudSchema], {
  error: () => 'must be "public", "usgov", "china" or { customFile: "/absolute/path.json" }',
});
export type Cloud = z.infer<typeof CloudSchema>;

const SslModeSchema = z.enum(SSL_MODES, {
  error: (iss) =>
    typeof iss.input === 'string' && PLAINTEXT_SSL_MODES.includes(iss.input)
      ? `"${iss.input}" is never allowed: the Entra token is sent as a cleartext password, so it must go over verified TLS — use verify-full`
      : 'must be verify-full (recommended), verify-ca or require',
});

const ApplicationNameSchema = text()
  .refine((s) => /^[\x20-\x7e]*$/.test(s), 'must use plain ASCII characters (PostgreSQL replaces others with "?")')
  .refine((s) => s.length <= PROFILE_LIMITS.identifierBytes, `must be at most ${PROFILE_LIMITS.identifierBytes} characters`);

const TimeoutSchema = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number of seconds from 1 to 300') })
  .int('must be a whole number of seconds from 1 to 300')
  .min(1, 'must be a whole number of seconds from 1 to 300')
  .max(300, 'must be a whole number of seconds from 1 to 300');

const ColorSchema = text().regex(/^#[0-9a-f]{6}$/i, 'must be a hex color like #1e90ff');
const NotesSchema = text().max(PROFILE_LIMITS.notes, `must be at most ${PROFILE_LIMITS.notes} characters`);

const trueOnly = (what: string) => z.literal(true, { error: `${what} can only be true (or left out)` });
export const ConfirmationsSchema = z.strictObject(
  {
    /** The user accepted sending Entra tokens to a host outside the cloud's PostgreSQL domains. */
    nonAzureHost: trueOnly('nonAzureHost').optional(),
    /** The user accepted verify-ca/require instead of verify-full. */
    weakerTls: trueOnly('weakerTls').optional(),
    /**
     * Transient, never stored: in a save request, "I trust this custom cloud file as it is now".
     * The app records that consent outside the profile (trusted-clouds.json) and the profile
     * store drops the flag, so no saved, exported or imported profile carries it.
     */
    customCloud: trueOnly('customCloud').optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `only nonAzureHost, weakerTls and customCloud can be confirmed, not ${iss.keys.join(', ')}` : 'must be an object like { "nonAzureHost": true }') },
);
export type ProfileConfirmations = z.infer<typeof ConfirmationsSchema>;

/** The flexible server a profile was made from (ARM resource id), so pre-flight checks find it without a search. */
const AzureLinkSchema = z.strictObject(
  { resourceId: FlexibleServerIdSchema },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown settings: ${iss.keys.join(', ')}` : 'must be { resourceId: "/subscriptions/…/flexibleServers/NAME" }') },
);

const IsoDateSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time like 2024-05-01T12:00:00.000Z' });
const UuidSchema = z.uuid({ error: 'must be a UUID' });

const inputShape = {
  name: NameSchema,
  folder: FolderSchema.default(PROFILE_DEFAULTS.folder),
  host: HostSchema,
  port: PortSchema.default(PROFILE_DEFAULTS.port),
  database: DatabaseSchema.default(PROFILE_DEFAULTS.database),
  username: UsernameSchema,
  credential: CredentialSchema.default({ kind: 'interactive' }),
  cloud: CloudSchema.default(PROFILE_DEFAULTS.cloud),
  sslmode: SslModeSchema.default(PROFILE_DEFAULTS.sslmode),
  applicationName: ApplicationNameSchema.default(PROFILE_DEFAULTS.applicationName),
  connectTimeoutSeconds: TimeoutSchema.default(PROFILE_DEFAULTS.connectTimeoutSeconds),
  color: ColorSchema.optional(),
  notes: NotesSchema.optional(),
  confirmations: ConfirmationsSchema.default({}),
  azure: AzureLinkSchema.optional(),
};

const unknownKeyError = { error: (iss: { code?: string; keys?: string[] }) => (iss.code === 'unrecognized_keys' ? `unknown setting(s): ${(iss.keys ?? []).join(', ')}` : 'must be an object') };

/** What a person creates or edits: everything but id and timestamps; defaults filled in. Strict. */
export const ProfileInputSchema = z.strictObject(inputShape, unknownKeyError);
/** A saved profile (profiles.json, IPC, exports). Strict: unknown keys — and so secrets — are refused. */
export const ProfileSchema = z.strictObject(
  { id: UuidSchema, ...inputShape, createdAt: IsoDateSchema, updatedAt: IsoDateSchema },
  unknownKeyError,
);

export type Profile = z.infer<typeof ProfileSchema>;
/** Input for create/update: optional where a default exists. */
export type ProfileInput = z.input<typeof ProfileInputSchema>;
/** A partial edit; `undefined` clears an optional field (color, notes). */
export type ProfilePatch = Partial<ProfileInput>;

// ---------------------------------------------------------------------------------------------
// Validation results

export type ProfileErrorCode = 'invalid_input' | 'confirmation_required';
export interface ProfileFieldError {
  /** Dotted field path, e.g. `host`, `credential.clientId`; `''` for the profile as a whole. */
  path: string;
  /** Names the field and says what to do, e.g. `Port: must be a whole number from 1 to 65535`. */
  message: string;
  /** `confirmation_required` when ticking a confirmation would make it valid. */
  code: ProfileErrorCode;
}
export type ProfileValidationResult = { ok: true; profile: Profile } | { ok: false; errors: ProfileFieldError[] };

export interface ProfileValidationOptions {
  /** PostgreSQL domains of a custom cloud (its file's `postgresDomains`). Without them every host of a custom-cloud profile needs the non-Azure confirmation. */
  customDomains?: readonly string[];
  /**
   * For a custom-cloud profile being saved by a person (the app's editor): whether its cloud file
   * is confirmed on this machine, and what to show when it is not. `trusted: false` without
   * `confirmations.customCloud` is a confirmation_required error on `cloud`. Unset: not checked
   * (the store, imports — consent is checked when connecting).
   */
  customCloudTrust?: { trusted: boolean; message: string };
  /** Keep this id (updates, restore); default a new random UUID. */
  id?: string;
  /** Keep this creation time (updates); default now. */
  createdAt?: string;
  now?: Date;
}

function labelFor(path: string): string {
  if (path === '') return 'Profile';
  const top = path.split('.')[0] ?? path;
  const base = PROFILE_FIELD_LABELS[top] ?? top;
  return path === top ? base : `${base} (${path.slice(top.length + 1)})`;
}

function fieldError(path: string, message: string, code: ProfileErrorCode = 'invalid_input'): ProfileFieldError {
  return { path, message: `${labelFor(path)}: ${message}`, code };
}

function issuesToErrors(issues: readonly z.core.$ZodIssue[]): ProfileFieldError[] {
  const out: ProfileFieldError[] = [];
  for (const iss of issues) {
    const path = iss.path.map(String).join('.');
    if (iss.code === 'unrecognized_keys') {
      // One error per key so the UI can point at each; the top-level message already lists them.
      for (const key of iss.keys) out.push(fieldError(path ? `${path}.${key}` : key, path ? `is not a known setting of ${labelFor(path)}` : 'is not a known profile setting'));
      continue;
    }
    out.push(fieldError(path, iss.message));
  }
  return out;
}

// A key that looks like it holds a secret. Checked anywhere in the input, before anything else,
// so the message says "never stored" rather than "unknown setting".
const SECRET_KEY = /pass(word|wd|phrase)?$|^pass|pwd|token|secret|api[-_]?key|private[-_]?key|connection[-_]?string|^pgpass/i;

export function findSecretKeys(value: unknown, path = '', depth = 0, seen = new Set<object>()): string[] {
  if (depth > 6 || value === null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const found: string[] = [];
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  for (const [k, v] of entries) {
    const p = path ? `${path}.${k}` : k;
    if (!Array.isArray(value) && SECRET_KEY.test(k)) found.push(p);
    found.push(...findSecretKeys(v, p, depth + 1, seen));
  }
  return found;
}

function secretErrors(input: unknown): ProfileFieldError[] {
  return findSecretKeys(input).map((p) => ({
    path: p,
    message: `${p}: pgEntra never stores passwords, tokens or secrets — tokens are fetched from Entra when you connect. Remove "${p}".`,
    code: 'invalid_input' as const,
  }));
}

function normalizeDomain(d: string): string {
  return d.trim().toLowerCase();
}

/** The PostgreSQL domains a cloud's tokens may be sent to; `[]` when unknown (custom cloud without its file). */
/** The broker's cloud reference for a profile: a built-in cloud name or the custom cloud file's path. */
export function cloudRef(cloud: Cloud): string {
  return typeof cloud === 'string' ? cloud : cloud.customFile;
}

/** The inverse of cloudRef: a built-in cloud name stays a name; anything else is a custom cloud file. */
export function cloudFromRef(ref: string): Cloud {
  return isBuiltinCloudName(ref) ? ref : { customFile: ref };
}

export function postgresDomainsFor(cloud: Cloud, customDomains?: readonly string[]): string[] {
  // A token for one cloud is only sent to that cloud's flexible-server domains.
  if (typeof cloud === 'string') return [...BUILTIN_CLOUDS[cloud].postgresDomains];
  return (customDomains ?? []).filter((d) => d.trim() !== '').map(normalizeDomain);
}

/**
 * `.postgres.database.azure.com` (leading dot) matches its subdomains only; `localhost` (no dot,
 * as a custom cloud file may list) matches that host and its subdomains.
 */
export function isHostInDomains(host: string, domains: readonly string[]): boolean {
  const h = host.toLowerCase();
  return domains.some((d) => {
    const dom = normalizeDomain(d);
    if (dom.startsWith('.')) return h.endsWith(dom) && h.length > dom.length;
    return h === dom || h.endsWith(`.${dom}`);
  });
}

/**
 * The two safety confirmations. Runs on already-parsed fields, so callers can check a loaded
 * profile again at connect time (e.g. with a custom cloud's domains read from its file).
 */
export function checkProfilePolicy(
  p: { host: string; cloud: Cloud; sslmode: SslMode; confirmations: ProfileConfirmations },
  customDomains?: readonly string[],
): ProfileFieldError[] {
  const errors: ProfileFieldError[] = [];
  const domains = postgresDomainsFor(p.cloud, customDomains);
  if (!isHostInDomains(p.host, domains) && p.confirmations.nonAzureHost !== true) {
    const where = domains.length
      ? `outside ${domains.map((d) => `*${d}`).join(', ')}`
      : 'and the custom cloud file lists no PostgreSQL domains';
    errors.push(
      fieldError(
        'host',
        `${p.host} is ${where}. pgEntra would send it your Entra access token, and whoever runs that host could replay the token against every Azure PostgreSQL server you can reach. Connect only if you trust it, and confirm "Send my Entra token to a non-Azure host".`,
        'confirmation_required',
      ),
    );
  }
  if (p.sslmode !== 'verify-full' && p.confirmations.weakerTls !== true) {
    errors.push(
      fieldError(
        'sslmode',
        `${p.sslmode} does not check that the certificate belongs to ${p.host}${p.sslmode === 'require' ? ' (or that it is signed by a trusted CA)' : ''}, so a machine in the middle could receive your Entra token. Use verify-full, or confirm "Use weaker TLS".`,
        'confirmation_required',
      ),
    );
  }
  return errors;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Policy check on the raw input's fields, so confirmation errors show even when other fields fail. */
function policyErrorsOnRaw(input: Record<string, unknown>, customDomains?: readonly string[]): ProfileFieldError[] {
  const host = HostSchema.safeParse(input.host);
  const cloud = CloudSchema.default(PROFILE_DEFAULTS.cloud).safeParse(input.cloud);
  const ssl = SslModeSchema.default(PROFILE_DEFAULTS.sslmode).safeParse(input.sslmode);
  const conf = ConfirmationsSchema.default({}).safeParse(input.confirmations);
  if (!host.success || !cloud.success || !ssl.success || !conf.success) return [];
  return checkProfilePolicy({ host: host.data, cloud: cloud.data, sslmode: ssl.data, confirmations: conf.data }, customDomains);
}

function run<T>(schema: z.ZodType<T>, input: unknown, customDomains?: readonly string[]): { data?: T; errors: ProfileFieldError[] } {
  if (!isRecord(input)) return { errors: [fieldError('', 'must be an object with name, host and username')] };
  const secrets = secretErrors(input);
  const parsed = schema.safeParse(input);
  const secretPaths = new Set(secrets.map((e) => e.path));
  const errors = [...secrets, ...(parsed.success ? [] : issuesToErrors(parsed.error.issues).filter((e) => !secretPaths.has(e.path)))];
  errors.push(...policyErrorsOnRaw(input, customDomains));
  return parsed.success && secrets.length === 0 ? { data: parsed.data, errors } : { errors };
}

/**
 * Validates create/update input (no id, no timestamps) and returns a complete Profile — new id
 * and timestamps unless given in `opts` — or every field error at once. Never throws.
 */
export function validateProfileInput(input: unknown, opts: ProfileValidationOptions = {}): ProfileValidationResult {
  try {
    const r = run(ProfileInputSchema, input, opts.customDomains);
    if (opts.customCloudTrust && !opts.customCloudTrust.trusted && isRecord(input) && isRecord(input.cloud) && !(isRecord(input.confirmations) && input.confirmations.customCloud === true)) {
      r.errors.push(fieldError('cloud', opts.customCloudTrust.message, 'confirmation_required'));
    }
    if (!r.data || r.errors.length > 0) return { ok: false, errors: r.errors };
    const now = (opts.now ?? new Date()).toISOString();
    return validateProfile({ ...r.data, id: opts.id ?? crypto.randomUUID(), createdAt: opts.createdAt ?? now, updatedAt: now }, opts);
  } catch (e) {
    // Defensive: a hostile object (throwing getter, proxy) must not crash the caller.
    return { ok: false, errors: [fieldError('', `could not be read (${e instanceof Error ? e.message : String(e)})`)] };
  }
}

/**
 * Validates a complete saved profile (with id and timestamps), e.g. read from disk or restored.
 * `skipPolicy` skips the confirmation checks (used on load for custom clouds, whose domains are
 * only known from their file; the connect path re-checks with `checkProfilePolicy`). Never throws.
 */
export function validateProfile(input: unknown, opts: Pick<ProfileValidationOptions, 'customDomains'> & { skipPolicy?: boolean } = {}): ProfileValidationResult {
  try {
    const r = run(ProfileSchema, input, opts.customDomains);
    const errors = opts.skipPolicy ? r.errors.filter((e) => e.code !== 'confirmation_required') : r.errors;
    if (errors.length > 0 || !r.data) return { ok: false, errors };
    // The custom-cloud consent is recorded outside profiles: never kept in one.
    if (r.data.confirmations.customCloud !== undefined) {
      const { customCloud: _dropped, ...kept } = r.data.confirmations;
      return { ok: true, profile: { ...r.data, confirmations: kept } };
    }
    return { ok: true, profile: r.data };
  } catch (e) {
    return { ok: false, errors: [fieldError('', `could not be read (${e instanceof Error ? e.message : String(e)})`)] };
  }
}

/** Field errors → one PgEntraError: `confirmation_required` only when confirming would fix everything. */
export function profileErrorsToError(errors: readonly ProfileFieldError[], what = 'The profile'): PgEntraError {
  const onlyConfirm = errors.length > 0 && errors.every((e) => e.code === 'confirmation_required');
  const details: Record<string, string> = {};
  errors.forEach((e, i) => {
    details[`error${i}`] = `${e.path || '(profile)'}: ${e.message}`;
  });
  return new PgEntraError(onlyConfirm ? 'confirmation_required' : 'invalid_input', `${what} is not valid: ${errors.map((e) => e.message).join(' ')}`, {
    details: { fields: [...new Set(errors.map((e) => e.path))].join(','), ...details },
    ...(onlyConfirm ? { hint: 'Review the warning and confirm it in the profile if you trust this server.' } : {}),
  });
}

/**
 * Applies an edit to a saved profile, returning the input to validate. Changing host or cloud
 * drops the non-Azure confirmation and changing sslmode drops the TLS one, unless the patch sets
 * confirmations itself — a confirmation is for the exact host/mode the user saw.
 */
export function applyProfilePatch(existing: Profile, patch: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, createdAt: _c, updatedAt: _u, ...base } = existing;
  const merged: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete merged[k];
    else merged[k] = v;
  }
  if (!('confirmations' in patch)) {
    const conf: ProfileConfirmations = { ...existing.confirmations };
    const hostChanged = 'host' in patch && typeof patch.host === 'string' && patch.host.trim().toLowerCase() !== existing.host;
    const cloudChanged = 'cloud' in patch && JSON.stringify(patch.cloud ?? 'public') !== JSON.stringify(existing.cloud);
    if (hostChanged || cloudChanged) delete conf.nonAzureHost;
    if ('sslmode' in patch && patch.sslmode !== existing.sslmode) delete conf.weakerTls;
    merged.confirmations = conf;
  }
  return merged;
}

/** Names are unique ignoring case (and Unicode normalization form). */
export function profileNameKey(name: string): string {
  return name.trim().normalize('NFC').toLowerCase();
}

/** Two profiles pointing at the same role on the same server/database are duplicates. */
export function profileConnectionKey(p: Pick<Profile, 'host' | 'port' | 'username' | 'database'>): string {
  return JSON.stringify([p.host.toLowerCase(), p.port, p.username, p.database]);
}

// ---------------------------------------------------------------------------------------------
// Username hints

export interface UsernameTokenFacts {
  /** `upn` / `preferred_username` of the signed-in account. */
  upn?: string;
  /** The role name the token implies (e.g. a managed identity's name), when known. */
  expectedUsername?: string;
  /** The token says the account is a guest (external: `idp`, `acct`, or an #EXT# upn). */
  guest?: boolean;
  /** A guest's home address (`unique_name`/`email` of a token without the #EXT# upn): never the role name. */
  homeUpn?: string;
}

/** `bob@fabrikam.example` → `bob_fabrikam.example#EXT#@<domain>`: how Entra names a guest in a resource tenant. */
export function guestRoleNameFor(homeAddress: string, resourceDomain = "<the server tenant's domain>"): string {
  const at = homeAddress.lastIndexOf('@');
  return at > 0 ? `${homeAddress.slice(0, at)}_${homeAddress.slice(at + 1)}#EXT#@${resourceDomain}` : `${homeAddress}#EXT#@${resourceDomain}`;
}

/** `alice_fabrikam.com#EXT#@contoso.onmicrosoft.com` → `alice@fabrikam.com`. */
export function guestHomeAddress(upn: string): string | undefined {
  const m = /^(.*)#EXT#@/i.exec(upn);
  if (!m || !m[1]) return undefined;
  const local = m[1];
  const at = local.lastIndexOf('_');
  return at > 0 ? `${local.slice(0, at)}@${local.slice(at + 1)}` : undefined;
}

const isGuestUpn = (s: string): boolean => /#EXT#@/i.test(s);

/**
 * Advice about the username, shown next to the field and after `password authentication failed`.
 * Role names are matched exactly (case-sensitive): users by UPN (guests by their full #EXT# UPN),
 * groups / service principals / managed identities by display name.
 */
export function usernameHints(profileUsername: string, tokenFacts: UsernameTokenFacts = {}): string[] {
  const hints: string[] = [];
  const u = profileUsername;
  const upn = tokenFacts.upn?.trim() || undefined;
  const expected = tokenFacts.expectedUsername?.trim() || undefined;

  if (u !== u.trim()) hints.push(`The username "${u}" starts or ends with spaces; role names are matched exactly, so remove them.`);

  // A guest whose token has no #EXT# upn: the only address it shows is the home one, which is
  // never the role name. Explain the #EXT# form and the tenant to sign in to instead.
  const home = tokenFacts.guest ? (tokenFacts.homeUpn?.trim() || (upn && !isGuestUpn(upn) ? upn : undefined)) : undefined;
  if (tokenFacts.guest && !(upn && isGuestUpn(upn))) {
    const example = guestRoleNameFor(home ?? 'name@home.example');
    if (home && u.trim().toLowerCase() === home.toLowerCase()) {
      hints.push(
        `You are a guest in the server's tenant, so your role is your guest UPN there (${example}), not your home address ${home}. Use that #EXT# name as the username (quote it in psql because of the #).`,
      );
    } else if (!isGuestUpn(u)) {
      hints.push(`Guests log in with their full guest UPN in the server's tenant (${example}) or the exact display name of a group they belong to — never their home address.`);
    }
    hints.push(
      "A guest must sign in to the server's tenant, not their home tenant: pgentra login --tenant <the server's tenant id or domain> (in the app: sign in with that tenant), then use that account in the profile.",
    );
    if (/\s/.test(u.trim())) hints.push(`"${u}" contains spaces: that is fine for an Entra group's display name (pgEntra quotes it), but a UPN never has spaces.`);
    return hints;
  }

  if (upn) {
    const guest = isGuestUpn(upn);
    const home = guest ? guestHomeAddress(upn) : undefined;
    if (u === upn) {
      // Exact match: nothing to fix.
    } else if (u.toLowerCase() === upn.toLowerCase()) {
      hints.push(`"${u}" differs from your sign-in name ${upn} only in upper/lower case. Role names are case-sensitive: use ${upn} exactly.`);
    } else if (guest && home && u.toLowerCase() === home.toLowerCase()) {
      hints.push(
        `You are a guest in this tenant, so your role name is your full guest UPN ${upn}, not your home address ${u}. Use ${upn} as the username (quote it in psql because of the #).`,
      );
    } else {
      hints.push(`Your account signs in as ${upn}; use that UPN as the username, or the exact display name of an Entra group you belong to (case-sensitive).`);
      if (guest) {
        hints.push(`${upn} is a guest (#EXT#) account: its role name is that full UPN including #EXT#${home ? `, not ${home}` : ''}.`);
      }
    }
  } else if (isGuestUpn(u)) {
    hints.push(`"${u}" is a guest (#EXT#) UPN: it must match the guest account's UPN in this tenant exactly, including #EXT# and case.`);
  } else if (guestHomeAddress(u) === undefined && /@/.test(u) && /[A-Z]/.test(u)) {
    hints.push(`Role names are case-sensitive: "${u}" must match the UPN exactly as Entra shows it.`);
  }

  if (expected && u !== expected && u !== upn) {
    hints.push(
      u.toLowerCase() === expected.toLowerCase()
        ? `"${u}" differs from this identity's role name ${expected} only in upper/lower case. Role names are case-sensitive: use ${expected} exactly.`
        : `This identity's token is for ${expected}; use that as the username, or the exact display name of an Entra group it belongs to.`,
    );
  }

  if (/\s/.test(u.trim()) && !hints.some((h) => h.includes('spaces'))) {
    hints.push(`"${u}" contains spaces: that is fine for an Entra group's display name (pgEntra quotes it), but a UPN never has spaces.`);
  }
  return hints;
}
