// The services the IPC handlers call, as the minimal interfaces the handlers need. The composition
// root (electron/services.ts) adapts the real profile store, token broker, session manager and
// pgAdmin interop to them; tests pass fakes.
import type { Account, AppInfo, CallInput, CallOutput, SettingsView, TokenDescription } from '../../shared/contract.js';
import type { Settings } from '../../shared/settings.js';
import type { ClaimsChallenge } from '../auth/stepUp.js';
import type {
  CreatePrincipalInput,
  CreatePrincipalResult,
  FetchMoreResult,
  HistoryEntry,
  ListPrincipalsResult,
  QueryResult,
  SessionInfo,
  VerifyAccessInput,
  VerifyAccessResult,
} from '../../shared/ipcSessions.js';
import type { Cloud, Profile, ProfileValidationResult } from '../../shared/profile.js';
import type { AzureService } from '../azure/azureService.js';
import type { SessionTarget } from '../sessions/types.js';
import type { EventSink } from './router.js';

export type ProfileInputParsed = CallInput<'profiles.save'>['profile'];

export interface ProfilesService {
  list(): Promise<Profile[]>;
  /** Rejects with not_found. */
  get(id: string): Promise<Profile>;
  create(input: ProfileInputParsed): Promise<Profile>;
  /** Replaces the editable fields of a saved profile. */
  update(id: string, input: ProfileInputParsed): Promise<Profile>;
  /** Returns the removed profile (for undo). */
  remove(id: string): Promise<Profile>;
  restore(profile: Profile): Promise<Profile>;
  duplicate(id: string): Promise<Profile>;
  move(id: string, folder: string): Promise<Profile>;
  validate(raw: unknown): ProfileValidationResult | Promise<ProfileValidationResult>;
}

export type SignInRequest = CallInput<'accounts.signIn'>;

export interface AccountsService {
  list(): Promise<Account[]>;
  /** Interactive (system browser) sign-in. */
  signIn(req: SignInRequest): Promise<Account>;
  /** Device code sign-in; the code is announced with the `signIn.deviceCode` event. */
  signInDeviceCode(req: SignInRequest): Promise<Account>;
  /** Cancels a pending sign-in; false when none was running. */
  cancelSignIn(): Promise<boolean>;
  /** Removes the account's cached tokens; returns the usernames signed out. */
  signOut(req: CallInput<'accounts.signOut'>): Promise<string[]>;
  /**
   * Main process only (no IPC call): the step-up a claims challenge asks for, with the progress
   * events of a sign-in whose message says why (`reason`). Resolves when it is done; `signal`
   * cancels it as the sign-in dialog's Cancel does (the operation that needed it was stopped).
   */
  stepUp?(challenge: ClaimsChallenge, reason: string, signal?: AbortSignal): Promise<void>;
}

/** A settings change the main process confirms itself (native dialog): who gets the sign-in, what is trusted. */
export interface SettingsChange {
  /** Client ids set or replaced (unsetting one goes back to Microsoft's Azure CLI app: no confirmation). */
  clientIds: Array<{ cloud: string; from?: string; to: string }>;
  /** Off → on: the OS store's roots are trusted from now on. */
  trustOsCertificates: boolean;
}

/** PIM for Groups for a profile's account and group (see electron/appServices/pimAppService.ts). */
export interface PimAppService {
  eligibility(profile: Profile): Promise<CallOutput<'pim.eligibility'>>;
  activate(profile: Profile, req: CallInput<'pim.activate'>): Promise<CallOutput<'pim.activate'>>;
  /** Stops the profile's running activation wait; false when none runs. */
  cancel(profileId: string): Promise<boolean>;
}

export interface SettingsService {
  get(): Promise<SettingsView>;
  /** Writes the settings (shared with the CLI) and applies them to this process. */
  set(settings: Settings): Promise<SettingsView>;
}

/** Implemented by electron/sessions SessionManager. */
export interface SessionsService {
  /** `fresh`: the first token bypasses every cache (after a PIM activation or a group change). */
  open(target: SessionTarget, opts?: { fresh?: boolean }): Promise<string>;
  close(sessionId: string): Promise<void>;
  info(sessionId: string): SessionInfo;
  query(sessionId: string, sql: string, opts?: { pageSize?: number; queryId?: string }): Promise<QueryResult>;
  fetchMore(sessionId: string, queryId: string, count?: number): Promise<FetchMoreResult>;
  cancel(sessionId: string, queryId: string): Promise<boolean>;
  history(sessionId: string): HistoryEntry[];
  listPrincipals(sessionId: string, adminsOnly?: boolean): Promise<ListPrincipalsResult>;
  createPrincipal(input: CreatePrincipalInput): Promise<CreatePrincipalResult>;
  verifyAccess(input: VerifyAccessInput): Promise<VerifyAccessResult>;
}

export interface TokensService {
  /** The raw token for the profile's credential and cloud (the explicit "copy token" action). */
  copy(profile: Profile): Promise<{ token: string; expiresOn: Date }>;
  /** Claims summary of the profile's token; never the token. */
  describe(profile: Profile): Promise<TokenDescription>;
}

export interface InteropService {
  exportPgAdmin(profiles: Profile[]): Promise<{ json: string; count: number }>;
  /**
   * Without requestedHosts, a file with hosts outside the cloud's domains imports nothing and
   * returns them in hostsToConfirm; with it, only those hosts the person confirmed in the main
   * process's dialog (one per host) are imported.
   */
  importPgAdmin(
    json: string,
    conflict: 'skip' | 'rename' | 'replace',
    /** Hosts the renderer asks to import: each is imported only once the main process's dialog confirmed it. */
    requestedHosts?: string[],
  ): Promise<{ imported: Profile[]; skipped: Array<{ name: string; reason: string }>; notes: Array<{ name: string; notes: string[] }>; hostsToConfirm: string[] }>;
}

/** What the main process's own copy-token confirmation shows (never the token). */
export interface TokenCopyRequest {
  profileName: string;
  account: string | null;
  audience: string | null;
  expiresOn: string;
}

/**
 * A decision that widens where a token may go. Only the main process's own dialog (native, default
 * Cancel) takes it, showing exactly what would be allowed; a renderer can ask for one but never
 * answer it. Each is bound to the values shown: another host, port, mode or file asks again.
 */
export type TokenTargetDecision =
  | { kind: 'non-azure-host'; profileName: string; host: string; port: number; cloud: string; domains: readonly string[] }
  | { kind: 'weaker-tls'; profileName: string; host: string; port: number; sslmode: string }
  /** `lines`: what the file says (describeCloudFacts of the bytes read for this dialog). */
  | { kind: 'custom-cloud'; profileName: string; file: string; sha256: string; lines: string[] }
  /** A pgAdmin servers.json host outside the cloud's domains; `servers`: the servers that name it, each with its port (what a yes covers). */
  | { kind: 'import-host'; host: string; cloud: string; servers: Array<{ name: string; port: number }> }
  | { kind: 'firewall-rule'; profileName: string; host: string; server: string; ruleName: string; ip: string };

/** The system clipboard, written by the main process only (the token never crosses IPC). */
export interface MainClipboard {
  writeText(text: string): Promise<void> | void;
  readText(): Promise<string> | string;
}

/** The clipboard as tokens.copy uses it (appServices/tokenClipboard.ts): a copied token does not stay. */
export interface TokenClipboard {
  /** How long a copied token stays on the clipboard. */
  clearsAfterMs: number;
  /** Writes the token and takes it off again after clearsAfterMs if the clipboard still holds it. */
  copyToken(token: string): Promise<void>;
  /** Takes every copied token still pending off the clipboard now (when pgEntra quits). */
  clearPending(): Promise<void>;
}

export interface Services {
  profiles: ProfilesService;
  accounts: AccountsService;
  sessions: SessionsService;
  tokens: TokensService;
  interop: InteropService;
  appInfo(): AppInfo;
  /** Writes text to a file the person picks in a save dialog; `saved: false` when they cancel. */
  saveFile(req: CallInput<'app.saveFile'>): Promise<CallOutput<'app.saveFile'>>;
  /**
   * The main process asks the person itself (a native dialog, default Cancel) before tokens.copy
   * hands out a token: the renderer's own dialog is not enough. true only for "Copy token".
   * Absent: tokens.copy is always refused.
   */
  confirmTokenCopy?(req: TokenCopyRequest): Promise<boolean>;
  /** Where tokens.copy puts the token after the confirmation. Absent: tokens.copy is refused. */
  clipboard?: TokenClipboard;
  /** The main process's dialog for a TokenTargetDecision; true only for its confirm button. Absent: every such decision is refused. */
  confirmDecision?(decision: TokenTargetDecision): Promise<boolean>;
  /** Azure Resource Manager: Browse Azure, the connect pre-flight and "Allow my IP". */
  azure: AzureService;
  /** settings.json: client ids, the OS certificate store. Absent: settings.* fail with a clear error. */
  settings?: SettingsService;
  /** PIM for Groups. Absent: pim.* fail with a clear error (eligibility answers null). */
  pim?: PimAppService;
  /** The cloud ref for ARM calls that name none (as accounts.signIn); default `public`. */
  defaultCloud?: string;
  /**
   * The PostgreSQL domains of a cloud (a custom cloud's from its file): a connect to a host in
   * them gets the Azure pre-flight. Absent: the built-in clouds' domains (custom clouds: none).
   */
  postgresDomainsOf?(cloud: Cloud): readonly string[];
  /** Pushes an event to the renderer(s); validated against the contract by the implementation. */
  events: EventSink;
}
