// The profile's fields one by one: limits, defaults and a zod schema per field. Messages say what
// is wrong and what to do; fieldErrors.ts prefixes the field's label. The whole profile is put
// together in shared/profile.ts, which adds the fields that need other shared modules (cloud,
// credential, azure link).
import { z } from 'zod';
import { hostProblem } from './hostSyntax.js';

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

// ---------------------------------------------------------------------------------------------
// Field schemas

/** A string schema whose type error reads naturally ("is required" / "must be text"). */
function text(): z.ZodString {
  return z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be text') });
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

export const NameSchema = text()
  .trim()
  .min(1, 'is required: give the server a name')
  .max(PROFILE_LIMITS.name, `must be at most ${PROFILE_LIMITS.name} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

export const FolderSchema = text()
  .trim()
  .max(PROFILE_LIMITS.folder, `must be at most ${PROFILE_LIMITS.folder} characters`)
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

/** Hosts are case-insensitive: stored trimmed and lowercase so duplicate detection is exact. */
export const HostSchema = text()
  .trim()
  .transform((s, ctx) => {
    const problem = hostProblem(s);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return s.toLowerCase();
  });

export const PortSchema = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number from 1 to 65535') })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65535, 'must be a whole number from 1 to 65535');

export const DatabaseSchema = text()
  .min(1, 'is required (the maintenance database is usually "postgres")')
  .refine((s) => s.trim() === s, 'must not start or end with spaces')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters')
  .refine((s) => utf8Bytes(s) <= PROFILE_LIMITS.identifierBytes, `must be at most ${PROFILE_LIMITS.identifierBytes} bytes (PostgreSQL's name limit)`);

// Role names are case-sensitive and may contain spaces (group display names), so the value is
// kept exactly as typed; only leading/trailing whitespace is refused because it is always a typo.
export const UsernameSchema = text()
  .min(1, 'is required: your Entra UPN, the exact name of an Entra group you belong to, or a managed identity name')
  .max(PROFILE_LIMITS.username, `must be at most ${PROFILE_LIMITS.username} characters`)
  .refine((s) => s.trim() === s, 'must not start or end with spaces (role names are matched exactly)')
  .refine((s) => !CONTROL_CHARS.test(s), 'must not contain control characters');

const ABSOLUTE_PATH = /^(\/|[a-z]:[\\/]|\\\\)/i;
/** The `{ customFile }` form of the cloud field; shared/profile.ts joins it with the built-in names. */
export const CustomCloudSchema = z.strictObject(
  {
    customFile: text()
      .min(1, 'needs the path of the custom cloud file')
      .refine((p) => ABSOLUTE_PATH.test(p), 'file must be an absolute path (like /etc/pgentra/cloud.json or C:\\pgentra\\cloud.json)')
      .refine((p) => !CONTROL_CHARS.test(p), 'file path must not contain control characters'),
  },
  { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown settings: ${iss.keys.join(', ')}` : 'must be "public", "usgov", "china" or { customFile: "/absolute/path.json" }') },
);

export const SslModeSchema = z.enum(SSL_MODES, {
  error: (iss) =>
    typeof iss.input === 'string' && PLAINTEXT_SSL_MODES.includes(iss.input)
      ? `"${iss.input}" is never allowed: the Entra token is sent as a cleartext password, so it must go over verified TLS — use verify-full`
      : 'must be verify-full (recommended), verify-ca or require',
});

export const ApplicationNameSchema = text()
  .refine((s) => /^[\x20-\x7e]*$/.test(s), 'must use plain ASCII characters (PostgreSQL replaces others with "?")')
  .refine((s) => s.length <= PROFILE_LIMITS.identifierBytes, `must be at most ${PROFILE_LIMITS.identifierBytes} characters`);

export const TimeoutSchema = z
  .number({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a whole number of seconds from 1 to 300') })
  .int('must be a whole number of seconds from 1 to 300')
  .min(1, 'must be a whole number of seconds from 1 to 300')
  .max(300, 'must be a whole number of seconds from 1 to 300');

export const ColorSchema = text().regex(/^#[0-9a-f]{6}$/i, 'must be a hex color like #1e90ff');
export const NotesSchema = text().max(PROFILE_LIMITS.notes, `must be at most ${PROFILE_LIMITS.notes} characters`);

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
  {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? `only nonAzureHost, weakerTls and customCloud can be confirmed, not ${iss.keys.join(', ')}` : 'must be an object like { "nonAzureHost": true }',
  },
);
export type ProfileConfirmations = z.infer<typeof ConfirmationsSchema>;

export const IsoDateSchema = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time like 2024-05-01T12:00:00.000Z' });
export const UuidSchema = z.uuid({ error: 'must be a UUID' });

/** The error of a whole-profile object: not an object, or keys it does not know (listed). */
export const unknownKeyError = { error: (iss: { code?: string; keys?: string[] }) => (iss.code === 'unrecognized_keys' ? `unknown setting(s): ${(iss.keys ?? []).join(', ')}` : 'must be an object') };
