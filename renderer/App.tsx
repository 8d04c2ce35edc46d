// The app shell: profiles sidebar, home (empty state / selected profile / accounts), one tab per
// connection, banners for sessions that need attention, and the dialogs. State that belongs to
// the main process (profiles, accounts, sessions) is fetched through api.ts and refreshed on its
// events, in the hooks under app/; nothing here ever holds a token.
import { useMemo, useState, type ReactNode } from 'react';
import type { Profile } from '../shared/profile.js';
import { quotePosix } from '../shared/shellQuote.js';
import { Banners } from './app/Banners.js';
import { DialogHost, type DialogState } from './app/DialogHost.js';
import { TabBar } from './app/TabBar.js';
import { cloudOfRef, useAccounts } from './app/useAccounts.js';
import { useNotifications } from './app/useNotifications.js';
import { usePim } from './features/pim/usePim.js';
import { useProfiles } from './app/useProfiles.js';
import { useSessions } from './app/useSessions.js';
import { AccountsPanel } from './features/accounts/AccountsPanel.js';
import { BrowseAzure } from './features/azure/BrowseAzure.js';
import { useBrowseAzure } from './features/azure/useBrowseAzure.js';
import { EmptyState } from './features/profiles/EmptyState.js';
import { ProfileDetail } from './features/profiles/ProfileDetail.js';
import { Sidebar } from './features/profiles/Sidebar.js';
import { ConnectPanel } from './features/sessions/ConnectPanel.js';
import { SessionView } from './features/sessions/SessionView.js';
import { copyText } from './ui/clipboard.js';

export function App(): ReactNode {
  const { toast, notify } = useNotifications();
  const profileState = useProfiles(notify);
  const { profiles, loaded, fatal, profileById, selected, folders } = profileState;
  const sessions = useSessions(profileById);
  const { activeTab, activeSession, connect, connectTab, closeTab, openAzure, showTab } = sessions;
  const accountState = useAccounts(notify);
  const { accounts, doSignIn } = accountState;
  const browse = useBrowseAzure(accounts);
  // What PIM's membership ends are kept for: saved profiles, and the ones with a tab open.
  const pimLive = useMemo(() => ({ profileIds: new Set(profileById.keys()), openProfileIds: new Set(sessions.tabs.map((t) => t.profileId)) }), [profileById, sessions.tabs]);
  const pim = usePim(pimLive);
  const [dialog, setDialog] = useState<DialogState>(null);

  const defaultCloud = (): Profile['cloud'] | undefined => selected?.cloud ?? profiles[0]?.cloud;

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
        <button type="button" className="ghost" onClick={() => showTab('home')}>
          Accounts
        </button>
        <button type="button" className="ghost" onClick={() => setDialog({ kind: 'settings' })}>
          Settings
        </button>
      </header>
      <Sidebar
        profiles={profiles}
        extraFolders={profileState.extraFolders}
        selectedId={profileState.selectedId}
        states={sessions.states}
        onSelect={(id) => {
          profileState.select(id);
          showTab('home');
        }}
        onConnect={connect}
        onNewProfile={() => setDialog({ kind: 'editor', profile: null, folder: selected?.folder ?? '' })}
        onNewFolder={() => setDialog({ kind: 'new-folder' })}
        onMove={(id, folder) => void profileState.move(id, folder)}
        footer={
          profileState.undo ? (
            <div className="undo-toast" role="status">
              <span>Deleted {profileState.undo.name}.</span>
              <span className="spacer" />
              <button type="button" className="small" onClick={() => void profileState.restore()}>
                Undo
              </button>
            </div>
          ) : null
        }
      />
      <main className="main">
        <Banners
          banners={accountState.banners}
          attentionTabs={sessions.attentionTabs}
          onSignIn={(b) => void doSignIn('interactive', b.cloud ?? defaultCloud(), undefined, b.account ?? undefined, b.resource)}
          onDismiss={accountState.dismissBanner}
          onSessionSignIn={(t) => void doSignIn('interactive', profileById.get(t.profileId)?.cloud, undefined, t.info?.account ?? undefined)}
        />
        <TabBar tabs={sessions.tabs} activeTab={activeTab} azureOpen={sessions.azureOpen} onShow={showTab} onCloseAzure={sessions.closeAzure} onCloseTab={(t) => void closeTab(t)} />
        <div className="tab-panel">
          {activeTab === 'azure' && sessions.azureOpen ? (
            <BrowseAzure
              state={browse}
              accounts={accounts}
              onSignIn={(again) => (again ? doSignIn('interactive', cloudOfRef(again.account.cloud), undefined, again.account.username, again.resource) : doSignIn('interactive', undefined))}
              onCreateProfile={(proposal) => setDialog({ kind: 'editor', profile: null, folder: '', seed: { fromAzure: proposal } })}
            />
          ) : activeSession ? (
            activeSession.info && activeSession.attempt.stage === 'done' ? (
              <SessionView
                key={activeSession.id}
                info={activeSession.info}
                renewedAt={activeSession.renewedAt}
                pimEndsAt={pim.ends.get(activeSession.profileId) ?? null}
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
                pim={{
                  progress: pim.progress.get(activeSession.profileId),
                  onCancel: () => pim.cancel(activeSession.profileId),
                  onActivate: (req) => {
                    const { id, profileId } = activeSession;
                    // Once the server accepts the group login, this tab connects with a token fetched now.
                    void pim.activate(req).then((ok) => {
                      if (!ok) return;
                      pim.dismiss(profileId);
                      void connectTab(id, profileId, { fresh: true });
                    });
                  },
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
                      onDuplicate={() => void profileState.duplicate(selected)}
                      onDelete={() => void profileState.remove(selected)}
                      onMove={(folder) => void profileState.move(selected.id, folder)}
                      onCopyPsql={() => {
                        // sh quoting on every OS (a Windows cmd/PowerShell user gets sh quotes too).
                        void copyText(`pgentra psql ${quotePosix(selected.name)}`).then(() => notify(`Copied: pgentra psql ${quotePosix(selected.name)}`));
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
                <AccountsPanel accounts={accounts} error={accountState.accountsError} onSignIn={(mode) => void doSignIn(mode, defaultCloud())} onSignOut={(a) => void accountState.signOut(a)} />
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

      <DialogHost
        dialog={dialog}
        onClose={() => setDialog(null)}
        profiles={profiles}
        folders={folders}
        accounts={accounts}
        onSignIn={(cloud, tenant) => doSignIn('interactive', cloud, tenant)}
        onProfileSaved={(p) => {
          setDialog(null);
          profileState.select(p.id);
          showTab('home');
          void profileState.refresh();
          notify(`Saved ${p.name}.`);
        }}
        onFolderCreated={(name) => {
          profileState.addFolder(name);
          setDialog(null);
        }}
        onProfilesImported={() => void profileState.refresh()}
        onSettingsSaved={(text) => {
          setDialog(null);
          notify(text);
        }}
        signIn={accountState.signIn}
        onCancelSignIn={accountState.cancelSignIn}
        onCloseSignIn={accountState.closeSignIn}
        onUseDeviceCode={accountState.switchToDeviceCode}
      />
    </div>
  );
}
