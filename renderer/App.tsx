// The app shell: profiles sidebar, home (empty state / selected profile / accounts), one tab per
// connection, banners for sessions that need attention, and the dialogs. State that belongs to
// the main process (profiles, accounts, sessions) is fetched through api.ts and refreshed on its
// events; nothing here ever holds a token.
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Account, EventPayload } from '../shared/contract.js';
import type { SessionInfo } from '../shared/ipcSessions.js';
import type { Profile } from '../shared/profile.js';
import { call, errorPayloadOf, hasBridge, on } from './base/api.js';
import { AccountsPanel } from './features/accounts/AccountsPanel.js';
import { SignInDialog, type SignInState } from './features/accounts/SignInDialog.js';
import { EntraAdminDialog } from './features/admin/EntraAdminDialog.js';
import { BrowseAzure } from './features/azure/BrowseAzure.js';
import { useBrowseAzure } from './features/azure/useBrowseAzure.js';
import { CopyTokenDialog } from './features/interop/CopyTokenDialog.js';
import { PgAdminDialog } from './features/interop/PgAdminDialog.js';
import { EmptyState } from './features/profiles/EmptyState.js';
import { ProfileDetail } from './features/profiles/ProfileDetail.js';
import { ProfileEditor, type ProfileSeed } from './features/profiles/ProfileEditor.js';
import { Sidebar, type ConnectionState } from './features/profiles/Sidebar.js';
import { ConnectPanel, failedStage, type ConnectAttempt, type ConnectStage } from './features/sessions/ConnectPanel.js';
import { applyPreflight } from './features/sessions/preflight.js';
import { SessionView } from './features/sessions/SessionView.js';
import { copyText } from './ui/clipboard.js';
import { Dialog } from './ui/Dialog.js';

interface SessionTab {
  id: string;
  profileId: string;
  title: string;
  attempt: ConnectAttempt;
  info?: SessionInfo;
  renewedAt: number | null;
}

type DialogState =
  | { kind: 'editor'; profile: Profile | null; folder: string; seed?: ProfileSeed }
  | { kind: 'new-folder' }
  | { kind: 'copy-token'; profile: Profile }
  | { kind: 'pgadmin'; selection: string[] }
  | { kind: 'admin'; sessionId: string; serverName: string }
  | null;

interface SignInBanner {
  key: string;
  account: string | null;
  message: string;
  cloud: Profile['cloud'] | null;
}

/** Shell-quotes one argument for POSIX shells (profile names may contain spaces). */
function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function accountKey(a: Account): string {
  return `${a.cloud}|${a.homeAccountId}`;
}

const PROGRESS_STAGE: Record<EventPayload<'session.connectProgress'>['stage'], ConnectStage> = { tls: 'tls', token: 'token', authenticating: 'auth', connected: 'done' };

export function App(): ReactNode {
  const [profiles, setProfiles] = useState<Profile[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [accountsError, setAccountsError] = useState<string | null>(null);
  const [extraFolders, setExtraFolders] = useState<string[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [tabs, setTabs] = useState<SessionTab[]>([]);
  // 'home', 'azure' (Browse Azure, once opened) or a session tab's id.
  const [activeTab, setActiveTab] = useState<string>('home');
  const [azureOpen, setAzureOpen] = useState(false);
  const [dialog, setDialog] = useState<DialogState>(null);
  const [signIn, setSignIn] = useState<SignInState | null>(null);
  const [banners, setBanners] = useState<SignInBanner[]>([]);
  const [undo, setUndo] = useState<Profile | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const undoTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const toastTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Accounts a sign-in returned: kept even if accounts.list does not report their cloud.
  const signedInHere = useRef(new Map<string, Account>());
  const browse = useBrowseAzure(accounts);

  const notify = useCallback((text: string) => {
    setToast(text);
    clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => setToast(null), 5000);
  }, []);

  const mergeAccounts = useCallback((listed: Account[]) => {
    const byKey = new Map(listed.map((a) => [accountKey(a), a]));
    for (const [k, a] of signedInHere.current) if (!byKey.has(k)) byKey.set(k, a);
    setAccounts([...byKey.values()].sort((a, b) => a.username.localeCompare(b.username)));
  }, []);

  const refreshProfiles = useCallback(async () => {
    try {
      const { profiles: list } = await call('profiles.list', {});
      setProfiles(list);
      setLoaded(true);
    } catch (e) {
      setFatal(errorPayloadOf(e).message);
    }
  }, []);
  const refreshAccounts = useCallback(async () => {
    try {
      mergeAccounts((await call('accounts.list', {})).accounts);
      setAccountsError(null);
    } catch (e) {
      setAccountsError(errorPayloadOf(e).message);
    }
  }, [mergeAccounts]);

  // The latest tabs for async flows (a failed open reads the last stage progress reported).
  const tabsRef = useRef(tabs);
  useEffect(() => {
    tabsRef.current = tabs;
  }, [tabs]);

  const updateTab = useCallback((id: string, patch: (t: SessionTab) => SessionTab) => setTabs((all) => all.map((t) => (t.id === id ? patch(t) : t))), []);

  const onSessionState = useCallback((e: EventPayload<'session.state'>) => {
    setTabs((all) =>
      all.map((t) => {
        if (t.info?.sessionId !== e.sessionId) return t;
        const info: SessionInfo = {
          ...t.info,
          state: e.state === 'token-refreshed' ? t.info.state : e.state,
          ...(e.tokenExpiresOn ? { tokenExpiresOn: e.tokenExpiresOn } : {}),
        };
        return { ...t, info, renewedAt: e.state === 'token-refreshed' ? Date.now() : t.renewedAt, attempt: e.error && e.state !== 'connected' ? { ...t.attempt, error: e.error } : { ...t.attempt, error: undefined } };
      }),
    );
    if (e.state === 'connected' || e.state === 'token-refreshed') {
      void call('sessions.info', { sessionId: e.sessionId })
        .then((info) => setTabs((all) => all.map((t) => (t.info?.sessionId === e.sessionId ? { ...t, info } : t))))
        .catch(() => undefined);
    }
  }, []);

  useEffect(() => {
    if (!hasBridge()) {
      setFatal('pgEntra’s main process is not connected: this page must run inside the pgEntra app.');
      return;
    }
    void refreshProfiles();
    void refreshAccounts();
    const offs = [
      on('profiles.changed', () => void refreshProfiles()),
      on('accounts.changed', (e) => mergeAccounts(e.accounts)),
      on('session.state', (e) => {
        onSessionState(e);
        // A new token changes the account's remaining lifetime in the accounts panel.
        if (e.state === 'connected' || e.state === 'token-refreshed') void refreshAccounts();
      }),
      on('session.connectProgress', (e) =>
        setTabs((all) =>
          all.map((t) => {
            if (t.profileId !== e.profileId || t.info || t.attempt.error) return t;
            const stage = PROGRESS_STAGE[e.stage];
            const ORDER: ConnectStage[] = ['tls', 'token', 'auth', 'done'];
            // Events never move a panel backwards (a late event after a newer one).
            return ORDER.indexOf(stage) > ORDER.indexOf(t.attempt.stage) ? { ...t, attempt: { ...t.attempt, stage } } : t;
          }),
        ),
      ),
      on('session.preflight', (e) => setTabs((all) => all.map((t) => (t.profileId === e.profileId ? { ...t, attempt: applyPreflight(t.attempt, e) } : t)))),
      on('signIn.progress', (e) => setSignIn((s) => (s ? { ...s, stage: e.stage } : s))),
      on('signIn.deviceCode', (e) => setSignIn((s) => (s ? { ...s, deviceCode: e, stage: 'waiting-for-device-code' } : s))),
      on('auth.signInRequired', (e) =>
        setBanners((b) => [...b.filter((x) => x.key !== (e.account ?? e.cloud)), { key: e.account ?? e.cloud, account: e.account, message: e.message, cloud: null }]),
      ),
    ];
    return () => offs.forEach((off) => off());
  }, [refreshProfiles, refreshAccounts, mergeAccounts, onSessionState]);

  const profileById = useMemo(() => new Map(profiles.map((p) => [p.id, p])), [profiles]);
  const selected = selectedId ? (profileById.get(selectedId) ?? null) : null;
  const folders = useMemo(() => [...new Set([...profiles.map((p) => p.folder), ...extraFolders])].sort(), [profiles, extraFolders]);

  const states = useMemo(() => {
    const m = new Map<string, ConnectionState>();
    const rank: Record<ConnectionState, number> = { connected: 5, reconnecting: 4, 'sign-in-required': 3, connecting: 2, failed: 1, disconnected: 0 };
    for (const t of tabs) {
      const s: ConnectionState = t.info ? (t.info.state === 'closed' ? 'disconnected' : t.info.state) : t.attempt.error ? 'failed' : 'connecting';
      const prev = m.get(t.profileId);
      if (!prev || rank[s] > rank[prev]) m.set(t.profileId, s);
    }
    return m;
  }, [tabs]);

  // ------------------------------------------------------------------ sign-in

  const doSignIn = useCallback(
    async (mode: 'interactive' | 'device-code', cloud: Profile['cloud'] | undefined, tenant?: string, loginHint?: string): Promise<Account | null> => {
      setSignIn({ mode, stage: 'starting' });
      try {
        // Without a cloud the main process picks its default (the configured cloud file, else public).
        const input = { ...(cloud ? { cloud } : {}), ...(tenant ? { tenant } : {}), ...(loginHint ? { loginHint } : {}) };
        const { account } = await call(mode === 'device-code' ? 'accounts.signInDeviceCode' : 'accounts.signIn', input);
        signedInHere.current.set(accountKey(account), account);
        setSignIn(null);
        setBanners((b) => b.filter((x) => x.account?.toLowerCase() !== account.username.toLowerCase()));
        await refreshAccounts();
        notify(`Signed in as ${account.username}.`);
        return account;
      } catch (e) {
        const p = errorPayloadOf(e);
        if (p.code === 'sign_in_cancelled') setSignIn(null);
        else setSignIn((s) => ({ ...(s ?? { mode }), stage: 'failed', error: `${p.message}${p.hint ? ` ${p.hint}` : ''}` }));
        return null;
      }
    },
    [refreshAccounts, notify],
  );
  const defaultCloud = (): Profile['cloud'] | undefined => selected?.cloud ?? profiles[0]?.cloud;

  const signOut = async (a: Account): Promise<void> => {
    try {
      await call('accounts.signOut', { cloud: a.cloud === 'public' || a.cloud === 'usgov' || a.cloud === 'china' ? a.cloud : { customFile: a.cloud }, account: a.username });
      signedInHere.current.delete(accountKey(a));
      await refreshAccounts();
      notify(`Signed out ${a.username}.`);
    } catch (e) {
      setAccountsError(errorPayloadOf(e).message);
    }
  };

  // ------------------------------------------------------------------ connect

  const connectTab = useCallback(
    async (tabId: string, profileId: string, opts: { fresh?: boolean } = {}) => {
      // Stages advance with session.connectProgress while sessions.open is pending; the attempt id
      // ties the Azure pre-flight's events to this attempt.
      const attemptId = crypto.randomUUID();
      updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, stage: 'tls' }, info: undefined }));
      try {
        // fresh: "Retry with a fresh token" — the main process bypasses every token cache.
        const info = await call('sessions.open', { profileId, attemptId, ...(opts.fresh ? { fresh: true } : {}) });
        updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, stage: 'done' }, info }));
      } catch (e) {
        const error = errorPayloadOf(e);
        const reached = tabsRef.current.find((t) => t.id === tabId)?.attempt.stage ?? 'tls';
        const failedAt = failedStage(error.code, reached);
        // The pre-flight findings already received stay (the refusal's check follows as an event).
        updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, preflight: t.attempt.id === attemptId ? t.attempt.preflight : undefined, stage: failedAt, failedAt, error } }));
        // The server refused the token: describe what was sent (claims only; the broker has it in memory).
        if (failedAt !== 'auth' || error.code === 'entra_auth_disabled') return;
        const token = await call('tokens.describe', { profileId }).catch(() => undefined);
        if (token) updateTab(tabId, (t) => (t.attempt.error === error ? { ...t, attempt: { ...t.attempt, token } } : t));
      }
    },
    [updateTab],
  );

  const connect = useCallback(
    (profileId: string) => {
      const p = profileById.get(profileId);
      if (!p) return;
      const id = crypto.randomUUID();
      setTabs((all) => [...all, { id, profileId, title: p.name, attempt: { stage: 'tls' }, renewedAt: null }]);
      setActiveTab(id);
      void connectTab(id, profileId);
    },
    [profileById, connectTab],
  );

  const closeTab = async (tab: SessionTab): Promise<void> => {
    if (tab.info && tab.info.state !== 'closed') await call('sessions.close', { sessionId: tab.info.sessionId }).catch(() => undefined);
    setTabs((all) => all.filter((t) => t.id !== tab.id));
    setActiveTab((a) => (a === tab.id ? 'home' : a));
  };

  // ------------------------------------------------------------------ profile actions

  const remove = async (p: Profile): Promise<void> => {
    try {
      const { profile } = await call('profiles.delete', { id: p.id });
      setUndo(profile);
      setSelectedId(null);
      clearTimeout(undoTimer.current);
      undoTimer.current = setTimeout(() => setUndo(null), 10_000);
      await refreshProfiles();
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const restore = async (): Promise<void> => {
    if (!undo) return;
    try {
      const { profile } = await call('profiles.restore', { profile: undo });
      setUndo(null);
      setSelectedId(profile.id);
      await refreshProfiles();
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const move = async (id: string, folder: string): Promise<void> => {
    try {
      const { profile } = await call('profiles.move', { id, folder });
      await refreshProfiles();
      notify(`Moved ${profile.name} to ${folder || 'Servers'}.`);
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const duplicate = async (p: Profile): Promise<void> => {
    try {
      const { profile } = await call('profiles.duplicate', { id: p.id });
      await refreshProfiles();
      setSelectedId(profile.id);
      notify(`Created ${profile.name}.`);
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };

  const openAzure = (): void => {
    setAzureOpen(true);
    setActiveTab('azure');
  };

  // ------------------------------------------------------------------ render

  const activeSession = tabs.find((t) => t.id === activeTab);
  const attentionTabs = tabs.filter((t) => t.info && (t.info.state === 'reconnecting' || t.info.state === 'sign-in-required' || t.info.state === 'disconnected'));

  if (fatal) {
    return (
      <main className="home">
        <div className="alert error" role="alert">
          <h1>pgEntra could not start</h1>
          <p>{fatal}</p>
        </div>
      </main>
    );
  }

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            pg
          </span>
          pgEntra
        </span>
        <span className="spacer" />
        <button type="button" className="ghost" onClick={openAzure}>
          Browse Azure
        </button>
        <button type="button" className="ghost" onClick={() => setDialog({ kind: 'pgadmin', selection: selected ? [selected.id] : [] })}>
          pgAdmin import/export…
        </button>
        <button type="button" className="ghost" onClick={() => setActiveTab('home')}>
          Accounts
        </button>
      </header>
      <Sidebar
        profiles={profiles}
        extraFolders={extraFolders}
        selectedId={selectedId}
        states={states}
        onSelect={(id) => {
          setSelectedId(id);
          setActiveTab('home');
        }}
        onConnect={connect}
        onNewProfile={() => setDialog({ kind: 'editor', profile: null, folder: selected?.folder ?? '' })}
        onNewFolder={() => setDialog({ kind: 'new-folder' })}
        onMove={(id, folder) => void move(id, folder)}
        footer={
          undo ? (
            <div className="undo-toast" role="status">
              <span>Deleted {undo.name}.</span>
              <span className="spacer" />
              <button type="button" className="small" onClick={() => void restore()}>
                Undo
              </button>
            </div>
          ) : null
        }
      />
      <main className="main">
        <div className="banner-stack">
          {banners.map((b) => (
            <div key={b.key} className="banner" role="status" data-testid="sign-in-banner">
              <span>
                <strong>Sign in again{b.account ? ` as ${b.account}` : ''}.</strong> {b.message} Open sessions keep running.
              </span>
              <span className="spacer" />
              <button type="button" className="small primary" onClick={() => void doSignIn('interactive', defaultCloud(), undefined, b.account ?? undefined)}>
                Sign in
              </button>
              <button type="button" className="small" onClick={() => setBanners((all) => all.filter((x) => x.key !== b.key))}>
                Dismiss
              </button>
            </div>
          ))}
          {attentionTabs.map((t) => (
            <div key={t.id} className={`banner${t.info?.state === 'disconnected' ? ' error' : ''}`} role="status" data-testid="session-banner">
              <span>
                <strong>{t.title}:</strong>{' '}
                {t.info?.state === 'reconnecting'
                  ? `connection lost — reconnecting${t.attempt.error ? ` (${t.attempt.error.message})` : ''}…`
                  : t.info?.state === 'sign-in-required'
                    ? `needs you to sign in again to reconnect${t.attempt.error ? `: ${t.attempt.error.message}` : ''}.`
                    : 'disconnected.'}
              </span>
              <span className="spacer" />
              {t.info?.state === 'sign-in-required' ? (
                <button type="button" className="small primary" onClick={() => void doSignIn('interactive', profileById.get(t.profileId)?.cloud, undefined, t.info?.account ?? undefined)}>
                  Sign in
                </button>
              ) : null}
            </div>
          ))}
        </div>
        <nav className="tabs" aria-label="Open connections">
          <span className="tab" data-active={activeTab === 'home'}>
            <button type="button" className="ghost" aria-current={activeTab === 'home' ? 'page' : undefined} onClick={() => setActiveTab('home')}>
              Home
            </button>
          </span>
          {azureOpen ? (
            <span className="tab" data-active={activeTab === 'azure'} data-tab="Browse Azure">
              <button type="button" className="ghost" aria-current={activeTab === 'azure' ? 'page' : undefined} onClick={() => setActiveTab('azure')}>
                Browse Azure
              </button>
              <button
                type="button"
                className="close"
                aria-label="Close Browse Azure"
                onClick={() => {
                  setAzureOpen(false);
                  setActiveTab((a) => (a === 'azure' ? 'home' : a));
                }}
              >
                ✕
              </button>
            </span>
          ) : null}
          {tabs.map((t) => {
            const state = t.info ? t.info.state : t.attempt.error ? 'failed' : 'connecting';
            return (
              <span key={t.id} className="tab" data-active={activeTab === t.id} data-tab={t.title}>
                <button type="button" className="ghost" aria-current={activeTab === t.id ? 'page' : undefined} onClick={() => setActiveTab(t.id)}>
                  <span className={`dot ${state}`} aria-hidden="true" /> {t.title}
                </button>
                <button type="button" className="close" aria-label={`Close ${t.title}`} onClick={() => void closeTab(t)}>
                  ✕
                </button>
              </span>
            );
          })}
        </nav>
        <div className="tab-panel">
          {activeTab === 'azure' && azureOpen ? (
            <BrowseAzure
              state={browse}
              accounts={accounts}
              onSignIn={() => doSignIn('interactive', undefined)}
              onCreateProfile={(proposal) => setDialog({ kind: 'editor', profile: null, folder: '', seed: { fromAzure: proposal } })}
            />
          ) : activeSession ? (
            activeSession.info && activeSession.attempt.stage === 'done' ? (
              <SessionView
                key={activeSession.id}
                info={activeSession.info}
                renewedAt={activeSession.renewedAt}
                onOpenAdmin={() => activeSession.info && setDialog({ kind: 'admin', sessionId: activeSession.info.sessionId, serverName: activeSession.info.host })}
                onDisconnect={() => void closeTab(activeSession)}
              />
            ) : profileById.get(activeSession.profileId) ? (
              <ConnectPanel
                profile={profileById.get(activeSession.profileId) as Profile}
                attempt={activeSession.attempt}
                onRetry={() => void connectTab(activeSession.id, activeSession.profileId)}
                onRetryFresh={() => void connectTab(activeSession.id, activeSession.profileId, { fresh: true })}
                onEdit={() => setDialog({ kind: 'editor', profile: profileById.get(activeSession.profileId) ?? null, folder: '' })}
                onSignIn={() => {
                  const p = profileById.get(activeSession.profileId);
                  void doSignIn('interactive', p?.cloud).then((a) => {
                    if (a) void connectTab(activeSession.id, activeSession.profileId);
                  });
                }}
              />
            ) : (
              <p className="results-empty">This profile was deleted.</p>
            )
          ) : (
            <div className="home">
              <div className="home-grid">
                <div className="stack">
                  {loaded && profiles.length === 0 ? (
                    <EmptyState onAddProfile={() => setDialog({ kind: 'editor', profile: null, folder: '' })} onSignIn={() => void doSignIn('interactive', undefined)} onBrowseAzure={openAzure} />
                  ) : selected ? (
                    <ProfileDetail
                      key={selected.id}
                      profile={selected}
                      folders={folders}
                      onConnect={() => connect(selected.id)}
                      onEdit={() => setDialog({ kind: 'editor', profile: selected, folder: selected.folder })}
                      onDuplicate={() => void duplicate(selected)}
                      onDelete={() => void remove(selected)}
                      onMove={(folder) => void move(selected.id, folder)}
                      onCopyPsql={() => {
                        void copyText(`pgentra psql ${shellQuote(selected.name)}`).then(() => notify(`Copied: pgentra psql ${shellQuote(selected.name)}`));
                      }}
                      onCopyToken={() => setDialog({ kind: 'copy-token', profile: selected })}
                      onExportPgAdmin={() => setDialog({ kind: 'pgadmin', selection: [selected.id] })}
                    />
                  ) : loaded ? (
                    <section className="card">
                      <h1>Your servers</h1>
                      <p className="muted">
                        Select a profile on the left to see it, or double-click (or press Enter) to connect. {profiles.length} profile{profiles.length === 1 ? '' : 's'}.
                      </p>
                    </section>
                  ) : null}
                </div>
                <AccountsPanel
                  accounts={accounts}
                  error={accountsError}
                  onSignIn={(mode) => void doSignIn(mode, defaultCloud())}
                  onSignOut={(a) => void signOut(a)}
                />
              </div>
            </div>
          )}
        </div>
        {toast ? (
          <div className="toast" role="status" data-testid="toast">
            {toast}
          </div>
        ) : null}
      </main>

      {dialog?.kind === 'editor' ? (
        <ProfileEditor
          profile={dialog.profile}
          folder={dialog.folder}
          folders={folders}
          accounts={accounts}
          seed={dialog.seed ?? {}}
          onSignIn={(cloud, tenant) => doSignIn('interactive', cloud, tenant)}
          onSaved={(p) => {
            setDialog(null);
            setSelectedId(p.id);
            setActiveTab('home');
            void refreshProfiles();
            notify(`Saved ${p.name}.`);
          }}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'new-folder' ? (
        <NewFolderDialog
          onCreate={(name) => {
            setExtraFolders((f) => [...new Set([...f, name])]);
            setDialog(null);
          }}
          onClose={() => setDialog(null)}
        />
      ) : null}
      {dialog?.kind === 'copy-token' ? <CopyTokenDialog profile={dialog.profile} onClose={() => setDialog(null)} /> : null}
      {dialog?.kind === 'pgadmin' ? <PgAdminDialog profiles={profiles} initialSelection={dialog.selection} onClose={() => setDialog(null)} onImported={() => void refreshProfiles()} /> : null}
      {dialog?.kind === 'admin' ? <EntraAdminDialog sessionId={dialog.sessionId} serverName={dialog.serverName} onClose={() => setDialog(null)} /> : null}
      {signIn ? (
        <SignInDialog
          state={signIn}
          onCancel={() => {
            void call('accounts.cancelSignIn', {}).catch(() => undefined);
          }}
          onClose={() => setSignIn(null)}
        />
      ) : null}
    </div>
  );
}

function NewFolderDialog({ onCreate, onClose }: { onCreate: (name: string) => void; onClose: () => void }): ReactNode {
  const [name, setName] = useState('');
  return (
    <Dialog
      title="New folder"
      onClose={onClose}
      name="new-folder"
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="new-folder-form" className="primary" disabled={!name.trim()}>
            Create folder
          </button>
        </>
      }
    >
      <form
        id="new-folder-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) onCreate(name.trim());
        }}
      >
        <label className="field">
          <span className="field-label">Folder name</span>
          <input type="text" value={name} autoFocus maxLength={100} onChange={(e) => setName(e.target.value)} />
        </label>
        <p className="muted">Drag profiles onto the folder, or use “Move to folder” on a profile.</p>
      </form>
    </Dialog>
  );
}
