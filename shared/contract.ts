// The IPC contract: every call the renderer can make (name → input and output schemas) and every
// event the main process pushes (name → payload schema). One table, three transports: Electron
// IPC in the app, direct calls in tests/CLI, a Playwright binding in browser tests.
// Results cross IPC as `{ ok: true, value } | { ok: false, error: ErrorPayload }`.
import { z } from 'zod';
import {
  AzureNoteSchema,
  AzureServerSchema,
  EntraAdminSchema,
  FIREWALL_RULE_NAME,
  FlexibleServerIdSchema,
  PreflightFindingSchema,
  ServerCheckSchema,
  ServerListingSchema,
  UsernameChoiceSchema,
} from './azure.js';
import type { ErrorPayload } from './errors.js';
import type { CallName, EventName } from './ipcChannels.js';
import {
  CONNECT_STAGES,
  CreatePrincipalInputSchema,
  CreatePrincipalResultSchema,
  FetchMoreResultSchema,
  HistoryEntrySchema,
  ListPrincipalsResultSchema,
  QueryIdSchema,
  QueryResultSchema,
  SessionIdSchema,
  SessionInfoSchema,
  SessionStateEventSchema,
  VerifyAccessInputSchema,
  VerifyAccessResultSchema,
} from './ipcSessions.js';
import { CloudSchema, ProfileInputSchema, ProfileSchema, isIPv4Literal } from './profile.js';
import { SettingsSchema } from './settings.js';

export { CALL_NAMES, EVENT_NAMES, type CallName, type EventName } from './ipcChannels.js';

const ProfileId = z.uuid('must be a profile id');
const NoInput = z.strictObject({});

/** The settings as the settings dialog shows them, with where they live and what the OS store gave. */
export const SettingsViewSchema = z.object({
  settings: SettingsSchema,
  file: z.string(),
  /** What trusting the OS store means on this machine: where its roots come from, how many; or why there are none. */
  osCertificates: z.string(),
});
export type SettingsView = z.infer<typeof SettingsViewSchema>;
/** SQL text is bounded so a runaway paste cannot exhaust the main process. */
const MAX_SQL_CHARS = 4 * 1024 * 1024;
const PageSize = z.number().int().min(1).max(50_000);

const CloudRefSchema = CloudSchema;

/** A signed-in account's UPN (accounts.list): the ARM calls of the browse view use its token. */
const AccountUpn = z.string().min(1).max(256);
/** Who asks ARM from the browse view; omitted cloud: the app's default cloud, as accounts.signIn. */
const ArmCallerInput = { cloud: CloudRefSchema.optional(), account: AccountUpn };
/** Subscription ids are GUIDs; bounded and URL-safe because they become part of an ARM path. */
const SubscriptionId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9-]+$/, 'must be a subscription id like 00000000-0000-0000-0000-000000000000');
const Ipv4 = z.string().max(15).refine(isIPv4Literal, 'must be an IPv4 address like 203.0.113.7');
const FirewallRuleName = z.string().regex(FIREWALL_RULE_NAME, 'must be 1–128 letters, digits, "-", "_" or "."');

export const AccountSchema = z.object({
  /** MSAL home account id (`<oid>.<tid>`); identifies the account in calls. */
  homeAccountId: z.string(),
  /** UPN / preferred_username. */
  username: z.string(),
  name: z.string().optional(),
  tenantId: z.string(),
  cloud: z.string(),
  /** Expiry of the newest token pgEntra holds for this account (memory or keychain cache); null when unknown. Never the token. */
  tokenExpiresOn: z.iso.datetime().nullable(),
});
export type Account = z.infer<typeof AccountSchema>;

/** A file name the save dialog proposes: a plain name, no directories or control characters. */
const SuggestedFileName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[/\\]/.test(n) && ![...n].some((c) => c.charCodeAt(0) < 0x20), 'must be a file name without directories')
  .refine((n) => n !== '.' && n !== '..', 'must be a file name');
/** CSV exports of large results are big; the bound keeps a runaway from exhausting the main process. */
const MAX_SAVE_CHARS = 256 * 1024 * 1024;

const SignInInputSchema = z.strictObject({
  /** Omitted: the app's default cloud (PGENTRA_CLOUD_FILE when set, else public). */
  cloud: CloudRefSchema.optional(),
  /** Tenant id or domain; default `organizations`. */
  tenant: z.string().min(1).max(256).optional(),
  loginHint: z.string().min(1).max(256).optional(),
  /**
   * What to sign in for: the database (default), Azure Resource Manager or Microsoft Graph (PIM). A Conditional Access
   * policy may ask for MFA for one of them only; signing in for the other would not satisfy it.
   * A claims challenge the main process holds for that account and scope is carried along.
   */
  resource: z.enum(['postgres', 'management', 'graph']).optional(),
});

const ProfileFieldErrorSchema = z.object({ path: z.string(), message: z.string(), code: z.enum(['invalid_input', 'confirmation_required']) });
const ProfileValidationResultSchema = z.union([z.object({ ok: z.literal(true), profile: ProfileSchema }), z.object({ ok: z.literal(false), errors: z.array(ProfileFieldErrorSchema) })]);

export const TokenDescriptionSchema = z.object({
  account: z.string().nullable(),
  tenantId: z.string().nullable(),
  objectId: z.string().nullable(),
  audience: z.string().nullable(),
  expiresOn: z.iso.datetime(),
  kind: z.enum(['user', 'managed-identity', 'app']),
  /** The PostgreSQL role name this token logs in as, when it implies one. */
  expectedUsername: z.string().nullable(),
  /** Groups the token lists; null when it has no `groups` claim (membership unknown). */
  groupsCount: z.number().int().nonnegative().nullable(),
  groupsOverage: z.boolean(),
  /** The account is a guest (external) in the token's tenant. */
  guest: z.boolean().optional(),
  /** A guest's home address (the token has no #EXT# upn): NOT the role name. */
  homeAccount: z.string().nullable().optional(),
  /** Advice from the claims: guest role names, the tenant to sign in to. */
  notes: z.array(z.string()).optional(),
});
export type TokenDescription = z.infer<typeof TokenDescriptionSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  electron: z.string().nullable(),
  node: z.string(),
  chrome: z.string().nullable(),
  platform: z.string(),
  dataDir: z.string(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

interface CallSpec {
  input: z.ZodType;
  output: z.ZodType;
}

export const CONTRACT = {
  'profiles.list': { input: NoInput, output: z.object({ profiles: z.array(ProfileSchema) }) },
  'profiles.save': {
    // Without id: create. With id: replace that profile's fields (id and timestamps are kept).
    // `profile.confirmations` is ignored: a non-Azure host, weaker TLS or an untrusted custom cloud
    // file is confirmed in the main process's own dialog during the save (the renderer only asks).
    input: z.strictObject({ id: ProfileId.optional(), profile: ProfileInputSchema }),
    output: z.object({ profile: ProfileSchema }),
  },
  // The deleted profile comes back so the UI can offer "Undo" (profiles.restore).
  'profiles.delete': { input: z.strictObject({ id: ProfileId }), output: z.object({ profile: ProfileSchema }) },
  'profiles.restore': { input: z.strictObject({ profile: ProfileSchema }), output: z.object({ profile: ProfileSchema }) },
  'profiles.duplicate': { input: z.strictObject({ id: ProfileId }), output: z.object({ profile: ProfileSchema }) },
  'profiles.move': { input: z.strictObject({ id: ProfileId, folder: z.string().max(100) }), output: z.object({ profile: ProfileSchema }) },
  // Raw form input: every field error at once, with confirmation prompts (never throws).
  'profiles.validate': { input: z.strictObject({ profile: z.unknown() }), output: ProfileValidationResultSchema },

  'accounts.list': { input: NoInput, output: z.object({ accounts: z.array(AccountSchema) }) },
  'accounts.signIn': { input: SignInInputSchema, output: z.object({ account: AccountSchema }) },
  // The code to enter arrives as the `signIn.deviceCode` event while this call is pending.
  'accounts.signInDeviceCode': { input: SignInInputSchema, output: z.object({ account: AccountSchema }) },
  'accounts.cancelSignIn': { input: NoInput, output: z.object({ cancelled: z.boolean() }) },
  'accounts.signOut': {
    input: z.strictObject({ cloud: CloudRefSchema.default('public'), account: z.string().min(1).max(256) }),
    output: z.object({ signedOut: z.array(z.string()) }),
  },

  'sessions.open': {
    // `fresh`: "Retry with a fresh token" — the token comes from Entra, bypassing every cache (a
    // cached token predates a PIM activation or a group change).
    // `attemptId` (client-generated) tags this attempt's `session.preflight` events.
    input: z.strictObject({ profileId: ProfileId, fresh: z.boolean().optional(), attemptId: z.uuid().optional() }),
    output: SessionInfoSchema,
  },
  'sessions.close': { input: z.strictObject({ sessionId: SessionIdSchema }), output: z.object({ closed: z.boolean() }) },
  'sessions.info': { input: z.strictObject({ sessionId: SessionIdSchema }), output: SessionInfoSchema },
  'sessions.query': {
    // `queryId` (client-generated) lets sessions.cancel name the query while this call is pending.
    input: z.strictObject({ sessionId: SessionIdSchema, sql: z.string().min(1).max(MAX_SQL_CHARS), pageSize: PageSize.optional(), queryId: QueryIdSchema.optional() }),
    output: QueryResultSchema,
  },
  'sessions.fetchMore': {
    input: z.strictObject({ sessionId: SessionIdSchema, queryId: QueryIdSchema, count: PageSize.optional() }),
    output: FetchMoreResultSchema,
  },
  'sessions.cancel': { input: z.strictObject({ sessionId: SessionIdSchema, queryId: QueryIdSchema }), output: z.object({ cancelled: z.boolean() }) },
  'sessions.history': { input: z.strictObject({ sessionId: SessionIdSchema }), output: z.object({ entries: z.array(HistoryEntrySchema) }) },

  'admin.listPrincipals': {
    input: z.strictObject({ sessionId: SessionIdSchema, adminsOnly: z.boolean().default(false) }),
    output: ListPrincipalsResultSchema,
  },
  'admin.createPrincipal': { input: CreatePrincipalInputSchema, output: CreatePrincipalResultSchema },
  'admin.verifyAccess': { input: VerifyAccessInputSchema, output: VerifyAccessResultSchema },

  // Copies the profile's token to the clipboard — written by the main process after its own
  // native confirmation; the token never crosses IPC. Cleared after `clearsAfterSeconds` if still there.
  'tokens.copy': {
    input: z.strictObject({ profileId: ProfileId }),
    output: z.strictObject({ copied: z.literal(true), expiresOn: z.iso.datetime(), clearsAfterSeconds: z.number().int().positive() }),
  },
  'tokens.describe': { input: z.strictObject({ profileId: ProfileId }), output: TokenDescriptionSchema },

  'interop.exportPgAdmin': {
    input: z.strictObject({ profileIds: z.array(ProfileId).max(10_000).default([]) }),
    output: z.object({ json: z.string(), count: z.number().int().nonnegative() }),
  },
  'interop.importPgAdmin': {
    input: z.strictObject({
      json: z
        .string()
        .min(2)
        .max(8 * 1024 * 1024),
      conflict: z.enum(['skip', 'rename', 'replace']).default('skip'),
      /**
       * Hosts outside the cloud's PostgreSQL domains the person asks to import (ticked in the
       * renderer): each is imported only after the main process's own dialog for that host says
       * yes. Absent: a file with such hosts imports nothing and returns them in hostsToConfirm.
       */
      allowedHosts: z.array(z.string().min(1).max(255)).max(1000).optional(),
    }),
    output: z.object({
      imported: z.array(ProfileSchema),
      skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
      /** Per imported server: settings pgEntra could not keep or changed (SSH tunnel, sslmode …). */
      notes: z.array(z.object({ name: z.string(), notes: z.array(z.string()) })).default([]),
      /** Hosts outside the cloud's domains awaiting the person's per-host confirmation (nothing was imported). */
      hostsToConfirm: z.array(z.string()).default([]),
    }),
  },

  'app.info': { input: NoInput, output: AppInfoSchema },
  // The settings shared with the CLI (settings.json): the client id per cloud, trusting the OS certificate store.
  'settings.get': { input: NoInput, output: SettingsViewSchema },
  'settings.set': { input: z.strictObject({ settings: SettingsSchema }), output: SettingsViewSchema },
  // A save dialog in the app (the person picks the place); `saved: false` when they cancel it.
  'app.saveFile': {
    input: z.strictObject({ suggestedName: SuggestedFileName, text: z.string().max(MAX_SAVE_CHARS) }),
    output: z.object({ saved: z.boolean(), path: z.string().nullable() }),
  },

  // Browse Azure (Azure Resource Manager with the chosen account's token). Reading only, except allowMyIp.
  'azure.listServers': { input: z.strictObject({ ...ArmCallerInput, subscriptionId: SubscriptionId.optional() }), output: ServerListingSchema },
  'azure.getServer': {
    input: z.strictObject({ ...ArmCallerInput, server: FlexibleServerIdSchema }),
    output: z.object({ server: AzureServerSchema, admins: z.array(EntraAdminSchema).nullable(), findings: z.array(PreflightFindingSchema), notes: z.array(AzureNoteSchema) }),
  },
  // A profile to confirm in the editor; never saved by this call (the person saves with profiles.save).
  'azure.proposeProfile': {
    input: z.strictObject({ ...ArmCallerInput, server: FlexibleServerIdSchema }),
    output: z.object({ profile: ProfileInputSchema, usernameChoices: z.array(UsernameChoiceSchema), server: AzureServerSchema }),
  },
  'azure.checkProfile': { input: z.strictObject({ profileId: ProfileId }), output: ServerCheckSchema },
  // Changes the server's firewall: the renderer shows server, rule name and address first; the
  // main process only adds an address a refusal of this profile's server reported, and only after
  // its own dialog showing server, rule and address said yes.
  'azure.allowMyIp': {
    input: z.strictObject({ profileId: ProfileId, ip: Ipv4, ruleName: FirewallRuleName }),
    output: z.object({ ruleName: z.string(), startIpAddress: z.string(), endIpAddress: z.string() }),
  },

  // PIM for Groups (Microsoft Graph with the profile's account). Whether the account is eligible for
  // the group the profile logs in as — asked silently, never prompting; null when Graph cannot say.
  'pim.eligibility': {
    input: z.strictObject({ profileId: ProfileId }),
    output: z.object({ group: z.string(), eligible: z.boolean(), active: z.boolean(), endDateTime: z.string().nullable() }).nullable(),
  },
  // Activates the profile's group and waits until the server accepts the login with a fresh token
  // (progress: pim.progress). Long-running; pim.cancel stops it.
  'pim.activate': {
    input: z.strictObject({
      profileId: ProfileId,
      duration: z.string().min(1).max(20),
      reason: z.string().max(500).optional(),
      ticket: z.strictObject({ system: z.string().min(1).max(100), number: z.string().min(1).max(100) }).optional(),
      /** Remember duration, reason and ticket system in the profile for next time. */
      remember: z.boolean().default(false),
    }),
    output: z.object({ group: z.string(), status: z.string(), endDateTime: z.string().nullable() }),
  },
  'pim.cancel': { input: z.strictObject({ profileId: ProfileId }), output: z.object({ cancelled: z.boolean() }) },
} as const satisfies Record<CallName, CallSpec>;

export const EVENTS = {
  'session.state': SessionStateEventSchema,
  // Stages of sessions.open for a profile while the call is pending (TLS is verified before any token is asked for).
  'session.connectProgress': z.object({ profileId: z.string(), stage: z.enum(CONNECT_STAGES) }),
  // The Azure pre-flight of a profile being connected (ARM facts: stopped, Entra off, not an admin,
  // private network …). `connect`: checked alongside the connect; `refusal`: checked again with the
  // server's refusal, so a firewall block carries its "Allow my IP" fix.
  'session.preflight': z.object({
    profileId: z.string(),
    attemptId: z.string().optional(),
    phase: z.enum(['connect', 'refusal']),
    /** `checking`: ARM is being asked (findings empty); `done`: the findings. */
    status: z.enum(['checking', 'done']),
    server: AzureServerSchema.nullable(),
    findings: z.array(PreflightFindingSchema),
  }),
  'accounts.changed': z.object({ accounts: z.array(AccountSchema) }),
  // `external`: another process (the CLI) changed the file — list again.
  'profiles.changed': z.object({
    type: z.enum(['created', 'updated', 'removed', 'restored', 'moved', 'duplicated', 'imported', 'external']),
    ids: z.array(z.string()),
  }),
  'signIn.deviceCode': z.object({ userCode: z.string(), verificationUri: z.string().url(), message: z.string(), expiresOn: z.iso.datetime() }),
  // `slow`: the browser has not come back for minutes (Entra shows some refusals only on its page).
  // `message`: why this sign-in is asked for (a step-up: "Azure requires multi-factor authentication to …") or the slow hint.
  'signIn.progress': z.object({
    stage: z.enum(['opening-browser', 'waiting-for-browser', 'slow', 'waiting-for-device-code', 'exchanging-code', 'done', 'cancelled', 'failed']),
    message: z.string().optional(),
  }),
  'pim.progress': z.object({
    profileId: z.string(),
    stage: z.enum(['requesting', 'pending-approval', 'active', 'waiting-for-server', 'connected', 'failed', 'cancelled']),
    group: z.string(),
    /** When the activation ends (ISO), once known. */
    endDateTime: z.string().nullable().optional(),
    /** waiting-for-server: how many logins the server refused so far. */
    attempt: z.number().int().nonnegative().optional(),
    /** failed: what to show. */
    message: z.string().optional(),
  }),
  'auth.signInRequired': z.object({
    account: z.string().nullable(),
    cloud: z.string(),
    message: z.string(),
    /** The scope that needs the sign-in (default the database's). */
    resource: z.enum(['postgres', 'management', 'graph']).optional(),
    profileId: z.string().optional(),
    sessionId: z.string().optional(),
  }),
} as const satisfies Record<EventName, z.ZodType>;

export type CallInput<K extends CallName> = z.output<(typeof CONTRACT)[K]['input']>;
/** What the renderer passes (defaults may be omitted). */
export type CallInputRaw<K extends CallName> = z.input<(typeof CONTRACT)[K]['input']>;
export type CallOutput<K extends CallName> = z.output<(typeof CONTRACT)[K]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };

// Compile-time check that the table covers every name in CALL_NAMES / EVENT_NAMES and nothing else.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _callsCovered: Exactly<keyof typeof CONTRACT, CallName> = true;
const _eventsCovered: Exactly<keyof typeof EVENTS, EventName> = true;
void _callsCovered;
void _eventsCovered;
