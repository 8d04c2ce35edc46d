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
   * Without allowedHosts, a file with hosts outside the cloud's domains imports nothing and
   * returns them in hostsToConfirm; with it, only the listed (confirmed) hosts are imported.
   */
  importPgAdmin(
    json: string,
    conflict: 'skip' | 'rename' | 'replace',
    allowedHosts?: string[],
  ): Promise<{ imported: Profile[]; skipped: Array<{ name: string; reason: string }>; notes: Array<{ name: string; notes: string[] }>; hostsToConfirm: string[] }>;
}

/** What the main process's own copy-token confirmation shows (never the token). */
export interface TokenCopyRequest {
  profileName: string;
  account: string | null;
  audience: string | null;
  expiresOn: string;
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
