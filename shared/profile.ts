// Server profiles: the one schema shared by the main process, the CLI, the renderer and the
// pgAdmin export. A profile says where to connect and which identity to use — never a secret:
// tokens are fetched from Entra at connect time. Plain zod, no Node imports (the renderer uses it).
//
// The single import point for profiles: everything public is exported from here. This file puts
// the whole profile together and validates it; the parts it is made of are in shared/profile/
// (fields, host syntax, host policy, field errors, secret keys, username hints). Whatever needs
// another shared module (the cloud list, the credential and ARM id schemas, PgEntraError) stays
// here, because shared/profile/ imports only zod and itself (lint; no folder cycles).
import { z } from 'zod';
import { BUILTIN_CLOUD_NAMES, BUILTIN_CLOUDS, isBuiltinCloudName, type BuiltinCloudName } from './clouds.js';
import { FlexibleServerIdSchema } from './azure.js';
import { CredentialSchema } from './credential.js';
import { PgEntraError } from './errors.js';
import {
  ApplicationNameSchema,
  ColorSchema,
  ConfirmationsSchema,
  CustomCloudSchema,
  DatabaseSchema,
  FolderSchema,
  HostSchema,
  IsoDateSchema,
  NameSchema,
  NotesSchema,
  PortSchema,
  PROFILE_DEFAULTS,
  SslModeSchema,
  TimeoutSchema,
  unknownKeyError,
  UsernameSchema,
  UuidSchema,
  type ProfileConfirmations,
  type SslMode,
} from './profile/fields.js';
import { fieldError, issuesToErrors, type ProfileFieldError } from './profile/fieldErrors.js';
import { confirmationErrors, customPostgresDomains } from './profile/hostPolicy.js';
import { secretErrors } from './profile/secretKeys.js';

export { PROFILE_LIMITS, SSL_MODES, PROFILE_DEFAULTS, ConfirmationsSchema, type SslMode, type ProfileConfirmations } from './profile/fields.js';
export { PROFILE_FIELD_LABELS, type ProfileErrorCode, type ProfileFieldError } from './profile/fieldErrors.js';
export { isIPv4Literal, isIPv6Literal, isDnsName } from './profile/hostSyntax.js';
export { isHostInDomains } from './profile/hostPolicy.js';
export { findSecretKeys } from './profile/secretKeys.js';
export { guestHomeAddress, guestRoleNameFor, usernameHints, type UsernameTokenFacts } from './profile/usernameHints.js';

// ---------------------------------------------------------------------------------------------
// Cloud

export type BuiltinCloud = BuiltinCloudName;

export const CloudSchema = z.union([z.enum(BUILTIN_CLOUD_NAMES), CustomCloudSchema], {
  error: () => 'must be "public", "usgov", "china" or { customFile: "/absolute/path.json" }',
});
export type Cloud = z.infer<typeof CloudSchema>;

/** The broker's cloud reference for a profile: a built-in cloud name or the custom cloud file's path. */
export function cloudRef(cloud: Cloud): string {
  return typeof cloud === 'string' ? cloud : cloud.customFile;
}

/** The inverse of cloudRef: a built-in cloud name stays a name; anything else is a custom cloud file. */
export function cloudFromRef(ref: string): Cloud {
  return isBuiltinCloudName(ref) ? ref : { customFile: ref };
}

/** The PostgreSQL domains a cloud's tokens may be sent to; `[]` when unknown (custom cloud without its file). */
export function postgresDomainsFor(cloud: Cloud, customDomains?: readonly string[]): string[] {
  // A token for one cloud is only sent to that cloud's flexible-server domains.
  if (typeof cloud === 'string') return [...BUILTIN_CLOUDS[cloud].postgresDomains];
  return customPostgresDomains(customDomains);
}

// ---------------------------------------------------------------------------------------------
// The profile

/** The flexible server a profile was made from (ARM resource id), so pre-flight checks find it without a search. */
const AzureLinkSchema = z.strictObject(
  { resourceId: FlexibleServerIdSchema },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown settings: ${iss.keys.join(', ')}` : 'must be { resourceId: "/subscriptions/…/flexibleServers/NAME" }') },
);

/**
 * Whether PIM's activation takes this duration: `2h`, `90m`, `90min`, `1h30m`, `1h 30m` or ISO 8601
 * `PT2H`. Mirrors isoDuration (electron/pim/pimService.ts), which the renderer cannot import: a
 * remembered duration the activation takes must also save (test/unit/profiles/pimDefaults.test.ts).
 */
export function isPimDuration(text: string): boolean {
  const t = text.trim();
  if (/^PT(?=\d)(\d+H)?(\d+M)?$/i.test(t)) return true;
  const m = /^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$/i.exec(t);
  return m !== null && Number(m[1] ?? 0) + Number(m[2] ?? 0) > 0;
}

/** What "Activate and connect" last used for this profile (PIM for Groups): offered again next time. */
export const PimDefaultsSchema = z.strictObject(
  {
    duration: z.string().max(20).refine(isPimDuration, 'must be a duration such as 2h, 90m, 1h 30m or PT2H').optional(),
    reason: z.string().max(500, 'must be at most 500 characters').optional(),
    ticketSystem: z.string().max(100, 'must be at most 100 characters').optional(),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown settings: ${iss.keys.join(', ')}` : undefined) },
);

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
  pim: PimDefaultsSchema.optional(),
};

/** What a person creates or edits: everything but id and timestamps; defaults filled in. Strict. */
export const ProfileInputSchema = z.strictObject(inputShape, unknownKeyError);
/** A saved profile (profiles.json, IPC, exports). Strict: unknown keys — and so secrets — are refused. */
export const ProfileSchema = z.strictObject({ id: UuidSchema, ...inputShape, createdAt: IsoDateSchema, updatedAt: IsoDateSchema }, unknownKeyError);

export type Profile = z.infer<typeof ProfileSchema>;
/** Input for create/update: optional where a default exists. */
export type ProfileInput = z.input<typeof ProfileInputSchema>;
/** A partial edit; `undefined` clears an optional field (color, notes). */
export type ProfilePatch = Partial<ProfileInput>;

// ---------------------------------------------------------------------------------------------
// Validation

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

/**
 * The two safety confirmations (non-Azure host, weaker TLS; see profile/hostPolicy.ts). Runs on
 * already-parsed fields, so callers can check a loaded profile again at connect time (e.g. with
 * a custom cloud's domains read from its file).
 */
export function checkProfilePolicy(p: { host: string; cloud: Cloud; sslmode: SslMode; confirmations: ProfileConfirmations }, customDomains?: readonly string[]): ProfileFieldError[] {
  return confirmationErrors(p, postgresDomainsFor(p.cloud, customDomains));
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
 * Applies an edit to a saved profile, returning the input to validate. Changing host, port or
 * cloud drops the non-Azure confirmation, and any of those or sslmode drops the TLS one, unless the
 * patch sets confirmations itself — a confirmation is for the exact host, port and mode the user
 * saw (the app's profiles.save binds them the same way).
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
    const portChanged = 'port' in patch && patch.port !== undefined && Number(patch.port) !== existing.port;
    if (hostChanged || portChanged || cloudChanged) {
      delete conf.nonAzureHost;
      delete conf.weakerTls;
    }
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
