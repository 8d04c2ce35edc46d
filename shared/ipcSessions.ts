// Shapes of database-session data that cross IPC: session info, query results streamed in
// pages, history and the Entra admin helpers' results. Pure zod (the renderer uses it too).
// Never a token: only the account and the token's expiry.
import { z } from 'zod';
import { CredentialSchema } from './credential.js';
import { ErrorPayloadSchema } from './errors.js';

export const SessionIdSchema = z.string().uuid('must be a session id');
export const QueryIdSchema = z.string().uuid('must be a query id');

/** Connection states a session moves through (`token-refreshed` is an event, not a state). */
export const SESSION_STATES = ['connecting', 'connected', 'reconnecting', 'sign-in-required', 'disconnected', 'closed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
export const SESSION_EVENTS = [...SESSION_STATES, 'token-refreshed'] as const;
export type SessionEventKind = (typeof SESSION_EVENTS)[number];

/** Stages of opening a session, in the order they happen ('tls' before 'token': no token goes to an unverified server). */
export const CONNECT_STAGES = ['tls', 'token', 'authenticating', 'connected'] as const;
export type ConnectStage = (typeof CONNECT_STAGES)[number];

export const SessionStateEventSchema = z.object({
  sessionId: SessionIdSchema,
  state: z.enum(SESSION_EVENTS),
  at: z.iso.datetime(),
  /** Why the session is reconnecting / needs sign-in / stopped. */
  error: ErrorPayloadSchema.optional(),
  /** Expiry of the token the newest connection logged in with (ISO). */
  tokenExpiresOn: z.iso.datetime().optional(),
  /** Reconnect attempt number, from 1. */
  attempt: z.number().int().positive().optional(),
});
export type SessionStateEvent = z.infer<typeof SessionStateEventSchema>;

export const TlsInfoSchema = z.object({ protocol: z.string().nullable(), cipher: z.string().nullable() });

export const SessionInfoSchema = z.object({
  sessionId: SessionIdSchema,
  profileId: z.string().optional(),
  profileName: z.string().optional(),
  host: z.string(),
  port: z.number().int(),
  database: z.string(),
  username: z.string(),
  sslmode: z.string(),
  state: z.enum(SESSION_STATES),
  currentUser: z.string().nullable(),
  sessionUser: z.string().nullable(),
  serverVersion: z.string().nullable(),
  backendPid: z.number().int().nullable(),
  tls: TlsInfoSchema.nullable(),
  /** UPN / identity name of the token used for the current connection. */
  account: z.string().nullable(),
  tokenExpiresOn: z.iso.datetime().nullable(),
  connectedAt: z.iso.datetime().nullable(),
  reconnects: z.number().int().nonnegative(),
});
export type SessionInfo = z.infer<typeof SessionInfoSchema>;

export const ColumnSchema = z.object({ name: z.string(), typeOid: z.number().int(), typeName: z.string() });
export type Column = z.infer<typeof ColumnSchema>;
/** Cells are PostgreSQL's text representation (exact: no Date/number conversion), or null. */
export const CellSchema = z.string().nullable();
export const RowSchema = z.array(CellSchema);
export type Row = z.infer<typeof RowSchema>;

export const NoticeSchema = z.object({
  severity: z.string(),
  message: z.string(),
  code: z.string().optional(),
  detail: z.string().optional(),
  hint: z.string().optional(),
});
export type Notice = z.infer<typeof NoticeSchema>;

export const StatementResultSchema = z.object({
  index: z.number().int().nonnegative(),
  /** The statement text as run (truncated for very long statements). */
  sql: z.string(),
  /** Offset of the statement in the submitted text (error positions are relative to the whole text). */
  offset: z.number().int().nonnegative(),
  status: z.enum(['ok', 'error', 'cancelled']),
  /** Command tag word: SELECT, INSERT, CREATE … (null until complete or on error). */
  command: z.string().nullable(),
  /** Rows affected/returned when the statement completed; null while more rows can be fetched. */
  rowCount: z.number().int().nullable(),
  columns: z.array(ColumnSchema),
  /** The first page; fetch the rest with sessions.fetchMore while hasMore. */
  rows: z.array(RowSchema),
  hasMore: z.boolean(),
  elapsedMs: z.number().nonnegative(),
  error: ErrorPayloadSchema.optional(),
});
export type StatementResult = z.infer<typeof StatementResultSchema>;

export const QueryResultSchema = z.object({
  queryId: QueryIdSchema,
  sessionId: SessionIdSchema,
  status: z.enum(['ok', 'error', 'cancelled']),
  /** One per statement that ran; statements after a failing one do not run. */
  statements: z.array(StatementResultSchema),
  notices: z.array(NoticeSchema),
  elapsedMs: z.number().nonnegative(),
  /** The failing statement's error (positions made relative to the whole text). */
  error: ErrorPayloadSchema.optional(),
});
export type QueryResult = z.infer<typeof QueryResultSchema>;

export const FetchMoreResultSchema = z.object({
  queryId: QueryIdSchema,
  rows: z.array(RowSchema),
  hasMore: z.boolean(),
  /** Set once the statement completed. */
  rowCount: z.number().int().nullable(),
  command: z.string().nullable(),
  notices: z.array(NoticeSchema),
  elapsedMs: z.number().nonnegative(),
});
export type FetchMoreResult = z.infer<typeof FetchMoreResultSchema>;

export const HistoryEntrySchema = z.object({
  queryId: QueryIdSchema,
  sql: z.string(),
  startedAt: z.iso.datetime(),
  elapsedMs: z.number().nonnegative(),
  status: z.enum(['running', 'ok', 'error', 'cancelled']),
  /** Rows returned so far (SELECT) or affected (DML) by the last statement. */
  rowCount: z.number().int().nullable(),
  errorCode: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

// --- Entra admin helpers (run in the `postgres` database) ---

export const PRINCIPAL_TYPES = ['user', 'group', 'service'] as const;

export const PrincipalSchema = z.object({
  roleName: z.string(),
  principalType: z.string(),
  objectId: z.string(),
  tenantId: z.string(),
  isMfa: z.boolean(),
  isAdmin: z.boolean(),
});
export type Principal = z.infer<typeof PrincipalSchema>;

export const CreatePrincipalInputSchema = z.discriminatedUnion('by', [
  z.strictObject({
    sessionId: SessionIdSchema,
    by: z.literal('name'),
    /** UPN, group / managed identity / service principal display name (case-sensitive). */
    roleName: z.string().min(1).max(128),
    isAdmin: z.boolean().default(false),
    isMfa: z.boolean().default(false),
  }),
  z.strictObject({
    sessionId: SessionIdSchema,
    by: z.literal('objectId'),
    roleName: z.string().min(1).max(128),
    objectId: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be the Entra object id (a GUID)'),
    objectType: z.enum(PRINCIPAL_TYPES),
    isAdmin: z.boolean().default(false),
    isMfa: z.boolean().default(false),
  }),
]);
export type CreatePrincipalInput = z.input<typeof CreatePrincipalInputSchema>;

export const AdminSqlSchema = z.object({ sql: z.string(), params: z.array(z.union([z.string(), z.boolean()])) });

export const CreatePrincipalResultSchema = AdminSqlSchema.extend({ message: z.string() });
export type CreatePrincipalResult = z.infer<typeof CreatePrincipalResultSchema>;

export const ListPrincipalsResultSchema = AdminSqlSchema.extend({ principals: z.array(PrincipalSchema) });
export type ListPrincipalsResult = z.infer<typeof ListPrincipalsResultSchema>;

export const VerifyAccessInputSchema = z.strictObject({
  sessionId: SessionIdSchema,
  /** The role to log in as (e.g. the managed identity's name). */
  roleName: z.string().min(1).max(128),
  /** How to get that identity's token. */
  credential: CredentialSchema,
  /** Database to log in to; default the session's. */
  database: z.string().min(1).max(63).optional(),
});
export type VerifyAccessInput = z.input<typeof VerifyAccessInputSchema>;

export const VerifyAccessResultSchema = AdminSqlSchema.extend({
  granted: z.boolean(),
  roleName: z.string(),
  currentUser: z.string().nullable(),
  sessionUser: z.string().nullable(),
  /** Why access was refused (role missing, not a member, token problem…). */
  error: ErrorPayloadSchema.optional(),
});
export type VerifyAccessResult = z.infer<typeof VerifyAccessResultSchema>;
