// Browse Azure: with a signed-in account, its subscriptions and their flexible servers (status
// badges, a filter box, refresh), a server's details (FQDN, Entra admins, pre-flight findings),
// and "Create profile", which opens the profile editor prefilled with Azure's proposal. Nothing
// is saved here: the person confirms the profile with Save.
import { useEffect, type KeyboardEvent, type ReactNode } from 'react';
import type { AzureServer } from '../../../shared/azure.js';
import type { Account } from '../../../shared/contract.js';
import { PreflightFindings } from './PreflightFindings.js';
import { describeNote, generalNotes, serverBadges, type SubscriptionGroup } from './serverList.js';
import { accountKeyOf, type BrowseAzure as BrowseState, type ProfileProposal } from './useBrowseAzure.js';

export interface BrowseAzureProps {
  state: BrowseState;
  accounts: readonly Account[];
  /**
   * Signs in (the app's sign-in dialog); the account signed in, or null. `again`: the browsed
   * account once more, for Azure Resource Manager when that is what refused (MFA for ARM alone).
   */
  onSignIn: (again?: { account: Account; resource: 'postgres' | 'management' | 'graph' }) => Promise<Account | null>;
  onCreateProfile: (proposal: ProfileProposal) => void;
}

/** The account's cloud next to its name: built-in clouds by name, a custom cloud file by its file name only. */
function cloudLabel(cloud: string): string {
  if (cloud === 'public') return '';
  if (cloud === 'usgov' || cloud === 'china') return ` (${cloud})`;
  return ` (custom cloud ${cloud.split(/[\\/]/).pop() ?? ''})`;
}

/** The account picker's last option, as in the profile editor. */
const SIGN_IN_OPTION = '__sign_in__';

const ON_OFF = { enabled: 'enabled', disabled: 'disabled', unknown: 'not reported' } as const;

/** Arrow keys move between the server buttons of the whole list (Tab still walks them too). */
function onListKey(e: KeyboardEvent<HTMLElement>): void {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp' && e.key !== 'Home' && e.key !== 'End') return;
  const items = [...e.currentTarget.querySelectorAll<HTMLButtonElement>('button.server-item')];
  const i = items.indexOf(document.activeElement as HTMLButtonElement);
  const next = e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : e.key === 'ArrowDown' ? Math.min(items.length - 1, i + 1) : Math.max(0, i - 1);
  const target = items[next];
  if (!target) return;
  e.preventDefault();
  target.focus();
}

function Badges({ server }: { server: AzureServer }): ReactNode {
  return (
    <span className="row wrap badges">
      {serverBadges(server).map((b) => (
        <span key={b.label} className={`badge ${b.tone === 'plain' ? '' : b.tone}`} title={b.title}>
          {b.label}
        </span>
      ))}
    </span>
  );
}

function SubscriptionSection({
  group,
  selectedId,
  subscriptionsNotes,
  onSelect,
}: {
  group: SubscriptionGroup;
  selectedId: string | null;
  subscriptionsNotes: string[];
  onSelect: (id: string) => void;
}): ReactNode {
  const headingId = `sub-${group.subscription.subscriptionId}`;
  const { servers, total } = group;
  return (
    <section className="subscription" aria-labelledby={headingId} data-subscription={group.subscription.displayName}>
      <h2 id={headingId}>
        {group.subscription.displayName}{' '}
        <span className="muted count">
          {subscriptionsNotes.length > 0 && total === 0 ? '' : servers.length === total ? `${total} server${total === 1 ? '' : 's'}` : `${servers.length} of ${total}`}
        </span>
      </h2>
      {subscriptionsNotes.map((n) => (
        <p key={n} className="note" data-testid="azure-note">
          {n}
        </p>
      ))}
      {servers.length > 0 ? (
        <ul className="server-list">
          {servers.map((s) => (
            <li key={s.id}>
              <button type="button" className="server-item" aria-current={s.id === selectedId ? 'true' : undefined} data-server={s.name} onClick={() => onSelect(s.id)}>
                <span className="server-name">{s.name}</span>
                <span className="sub">{s.fqdn ?? 'no host name yet (being created)'}</span>
                <Badges server={s} />
              </button>
            </li>
          ))}
        </ul>
      ) : subscriptionsNotes.length === 0 ? (
        <p className="faint">{total === 0 ? 'No flexible servers in this subscription.' : 'No server matches the filter.'}</p>
      ) : null}
    </section>
  );
}

function Details({ state, onCreateProfile }: { state: BrowseState; onCreateProfile: (p: ProfileProposal) => void }): ReactNode {
  const { details, selectedId } = state;
  if (!selectedId) return <p className="muted">Select a server to see its Entra settings, admins and what pgEntra checks before connecting.</p>;
  if (details.loading) {
    return (
      <p className="row muted" role="status">
        <span className="spinner" aria-hidden="true" /> Asking Azure about the server…
      </p>
    );
  }
  if (details.error || !details.data) {
    return (
      <div className="alert error" role="alert">
        {details.error?.message ?? 'The server could not be read.'}
      </div>
    );
  }
  const { server: s, admins, findings, notes } = details.data;
  const subscriptions = state.listing.data?.subscriptions ?? [];
  const create = async (): Promise<void> => {
    const proposal = await state.propose(s.id);
    if (proposal) onCreateProfile(proposal);
  };
  return (
    <div className="stack" data-testid="server-details">
      <div className="stack tight">
        <h2>{s.name}</h2>
        <Badges server={s} />
      </div>
      <dl className="facts">
        <dt>Host (FQDN)</dt>
        <dd>{s.fqdn ?? '—'}</dd>
        <dt>Resource group</dt>
        <dd>{s.resourceGroup}</dd>
        <dt>Location</dt>
        <dd>{s.location}</dd>
        <dt>Version</dt>
        <dd>{s.version ? `PostgreSQL ${s.version}` : '—'}</dd>
        <dt>State</dt>
        <dd>{s.state ?? '—'}</dd>
        {s.sku ? (
          <>
            <dt>SKU</dt>
            <dd>{s.sku}</dd>
          </>
        ) : null}
        <dt>Entra authentication</dt>
        <dd>{ON_OFF[s.entraAuth]}</dd>
        <dt>Password authentication</dt>
        <dd>{ON_OFF[s.passwordAuth]}</dd>
        <dt>Network</dt>
        <dd>{s.privateNetwork ? 'private (VNet-integrated)' : s.publicNetworkAccess === 'disabled' ? 'public access disabled' : 'public, through firewall rules'}</dd>
        {s.replicationRole && s.replicationRole !== 'None' ? (
          <>
            <dt>Replication</dt>
            <dd>{s.replicationRole}</dd>
          </>
        ) : null}
        <dt>Entra admins</dt>
        <dd>
          {admins === null ? (
            'Azure did not list them (your role may not read them).'
          ) : admins.length === 0 ? (
            'none'
          ) : (
            <ul className="plain-list">
              {admins.map((a) => (
                <li key={a.objectId}>
                  {a.principalName} <span className="muted">({a.principalType})</span>
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      {notes.map((n) => (
        <p key={`${n.code}:${n.message}`} className="note">
          {describeNote(n, subscriptions)}
        </p>
      ))}
      <PreflightFindings findings={findings} label="What pgEntra found" />
      {state.proposeError ? (
        <div className="alert error" role="alert">
          {state.proposeError.message}
        </div>
      ) : null}
      <div className="row">
        <button type="button" className="primary" disabled={state.proposing || !s.fqdn} onClick={() => void create()}>
          {state.proposing ? 'Preparing the profile…' : 'Create profile'}
        </button>
        <span className="muted">Opens the profile editor filled in from Azure; nothing is saved until you save it.</span>
      </div>
    </div>
  );
}

export function BrowseAzure({ state, accounts, onSignIn: signIn, onCreateProfile }: BrowseAzureProps): ReactNode {
  // The account just signed in is the one to browse.
  const onSignIn = (): void => {
    void signIn().then((a) => {
      if (a) state.chooseAccount(accountKeyOf(a));
    });
  };
  const { listing, groups, ensureLoaded, accountKey } = state;
  // The listing was refused for this account: sign it in again for the scope that refused, then list again.
  const onSignInAgain = (): void => {
    const account = accounts.find((a) => accountKeyOf(a) === accountKey);
    if (!account) return onSignIn();
    const resource = listing.error?.details?.resource === 'management' ? 'management' : 'postgres';
    void signIn({ account, resource }).then((a) => {
      if (a) state.refresh();
    });
  };
  // Loads the chosen account's servers when the view opens or the account changes.
  useEffect(() => ensureLoaded(), [ensureLoaded, accountKey]);

  if (accounts.length === 0) {
    return (
      <div className="home">
        <section className="card stack browse-signin" aria-labelledby="browse-signin-title" data-testid="browse-azure">
          <h1 id="browse-signin-title">Browse Azure</h1>
          <p>
            Sign in with the account you use for your servers (e.g. your secondary admin ID) to list the flexible servers you can see in Azure. pgEntra uses the same sign-in for the database tokens.
          </p>
          <div>
            <button type="button" className="primary" onClick={onSignIn}>
              Sign in…
            </button>
          </div>
        </section>
      </div>
    );
  }

  const subscriptions = listing.data?.subscriptions ?? [];
  const general = listing.data ? generalNotes(listing.data) : [];
  return (
    <div className="browse" data-testid="browse-azure">
      <div className="browse-head">
        <h1>Browse Azure</h1>
        <label className="row">
          <span className="field-label">Account</span>
          <select
            value={accountKey}
            onChange={(e) => {
              if (e.target.value === SIGN_IN_OPTION) onSignIn();
              else state.chooseAccount(e.target.value);
            }}
          >
            {accounts.map((a) => (
              <option key={accountKeyOf(a)} value={accountKeyOf(a)}>
                {a.username}
                {cloudLabel(a.cloud)}
              </option>
            ))}
            <option value={SIGN_IN_OPTION}>Sign in with another account…</option>
          </select>
        </label>
        <input type="search" aria-label="Filter servers" placeholder="Filter by name, region, version, state…" value={state.filter} onChange={(e) => state.setFilter(e.target.value)} />
        <button type="button" onClick={state.refresh} disabled={listing.loading}>
          {listing.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div className="browse-body">
        <div className="browse-list" onKeyDown={onListKey}>
          {listing.loading && !listing.data ? (
            <p className="row muted" role="status">
              <span className="spinner" aria-hidden="true" /> Loading subscriptions and servers…
            </p>
          ) : null}
          {listing.error ? (
            <div className="alert error stack tight" role="alert">
              <strong>{listing.error.message}</strong>
              {listing.error.hint ? <span>{listing.error.hint}</span> : null}
              <span>
                {listing.error.code === 'sign_in_required' || listing.error.code === 'mfa_required' ? (
                  <button type="button" className="small" onClick={onSignInAgain}>
                    Sign in again…
                  </button>
                ) : (
                  <button type="button" className="small" onClick={state.refresh}>
                    Try again
                  </button>
                )}
              </span>
            </div>
          ) : null}
          {general.map((n) => (
            <p key={`${n.code}:${n.message}`} className="note" data-testid="azure-note">
              {describeNote(n, subscriptions)}
            </p>
          ))}
          {listing.data && groups.length === 0 ? <p className="muted">This account sees no subscriptions.</p> : null}
          {groups.map((g) => (
            <SubscriptionSection
              key={g.subscription.subscriptionId}
              group={g}
              selectedId={state.selectedId}
              subscriptionsNotes={g.notes.map((n) => describeNote(n, subscriptions))}
              onSelect={state.select}
            />
          ))}
        </div>
        <aside className="browse-details card" aria-label="Server details">
          <Details state={state} onCreateProfile={onCreateProfile} />
        </aside>
      </div>
    </div>
  );
}
