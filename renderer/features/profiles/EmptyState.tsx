// First run: explains the three things pgEntra needs (the server, the Entra admin group, your
// secondary ID) — the same facts admins used to paste into pgAdmin — and offers the first profile,
// typed in or picked from the servers Azure shows the account (Browse Azure).
import type { ReactNode } from 'react';

export function EmptyState({ onAddProfile, onSignIn, onBrowseAzure }: { onAddProfile: () => void; onSignIn: () => void; onBrowseAzure: () => void }): ReactNode {
  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h1 id="empty-title">Connect to Azure PostgreSQL with Entra ID</h1>
      <p className="muted">No more copying tokens from Cloud Shell. Set up a server once, sign in once, and connect.</p>
      <ol className="steps">
        <li>
          <span>
            <strong>Your Azure server name</strong>
            <span className="muted">
              The flexible server’s host, e.g. <code>myserver.postgres.database.azure.com</code> (port 5432, database <code>postgres</code>).
            </span>
          </span>
        </li>
        <li>
          <span>
            <strong>The Entra admin group</strong>
            <span className="muted">
              The PostgreSQL username is the group’s exact name, e.g. <code>db-admins</code> — the group set as the server’s Microsoft Entra admin.
            </span>
          </span>
        </li>
        <li>
          <span>
            <strong>Your secondary ID</strong>
            <span className="muted">Sign in with the privileged account that is a member of that group, e.g. adm-you@contoso.com.</span>
          </span>
        </li>
      </ol>
      <div className="row">
        <button type="button" className="primary" onClick={onAddProfile}>
          Add your first server
        </button>
        <button type="button" onClick={onBrowseAzure}>
          Find it in Azure…
        </button>
        <button type="button" onClick={onSignIn}>
          Sign in first
        </button>
      </div>
    </section>
  );
}
