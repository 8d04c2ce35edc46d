// A connection attempt: progress as the main process reports it (verified TLS → Entra token →
// authenticating; no token is asked for before the server's certificate checks out) and, when it
// fails, the diagnostics — what was sent (username, account, token claims, never the token), why
// it most likely failed and the fix. Azure's pre-flight findings (from ARM, beside the connect)
// show in both, with "Allow my IP…" when the firewall refused this computer.
import { useState, type ReactNode } from 'react';
import type { CallInputRaw, CallOutput, TokenDescription } from '../../../shared/contract.js';
import type { ErrorPayload } from '../../../shared/errors.js';
import type { Profile } from '../../../shared/profile.js';
import { usernameHints } from '../../../shared/profile.js';
import type { PimProgress } from '../pim/usePim.js';
import { AllowMyIpDialog } from '../azure/AllowMyIpDialog.js';
import { ActivateDialog } from '../pim/ActivateDialog.js';
import { PimOffer } from '../pim/PimOffer.js';
import { PreflightFindings } from '../azure/PreflightFindings.js';
import { accountOf } from '../profiles/profileTree.js';
import type { PreflightState } from './preflight.js';

export type ConnectStage = 'tls' | 'token' | 'auth' | 'done';

export interface ConnectAttempt {
  /** Tags the attempt's `session.preflight` events. */
  id?: string;
  stage: ConnectStage;
  error?: ErrorPayload;
  /** Which stage failed. */
  failedAt?: ConnectStage;
  token?: TokenDescription;
  /** What Azure says about the server (checked beside the connect, and again after a refusal). */
  preflight?: PreflightState;
}

/** The Azure checks of an attempt: "checking…" while ARM is asked, then the findings. */
function AzureChecks({ preflight, onFix }: { preflight: PreflightState | undefined; onFix: (fix: { ip: string; ruleName: string }) => void }): ReactNode {
  if (!preflight) return null;
  if (preflight.status === 'checking') {
    return (
      <p className="muted row" data-testid="preflight-checking">
        <span className="spinner" aria-hidden="true" /> Checking the server in Azure…
      </p>
    );
  }
  return <PreflightFindings findings={preflight.findings} onFix={(f) => f.fix && onFix(f.fix)} />;
}

const STEPS: Array<{ stage: Exclude<ConnectStage, 'done'>; label: string }> = [
  { stage: 'tls', label: 'Opening a verified TLS connection' },
  { stage: 'token', label: 'Acquiring an Entra token' },
  { stage: 'auth', label: 'Authenticating with the token' },
];
const ORDER: ConnectStage[] = ['tls', 'token', 'auth', 'done'];

const TLS_CODES = new Set<ErrorPayload['code']>(['server_unreachable', 'tls_verification_failed', 'firewall_blocked', 'server_restarting']);
const TOKEN_CODES = new Set<ErrorPayload['code']>([
  'sign_in_required',
  'sign_in_failed',
  'sign_in_cancelled',
  'mfa_required',
  'network_unavailable',
  'keychain_unavailable',
  'keychain_error',
  'managed_identity_unavailable',
  'azure_cli_missing',
  'azure_cli_not_logged_in',
  'azure_cli_failed',
]);

/** The stage a failed open stopped at: from the error when it says, else the last stage reported. */
export function failedStage(code: ErrorPayload['code'], reached: ConnectStage): Exclude<ConnectStage, 'done'> {
  if (TLS_CODES.has(code)) return 'tls';
  if (TOKEN_CODES.has(code)) return 'token';
  if (code.startsWith('token_') || code === 'role_not_found_or_not_member' || code === 'entra_auth_disabled' || code === 'login_refused') return 'auth';
  return reached === 'done' ? 'auth' : reached;
}

/** Refusals a token fetched now (not the cached one) may fix: a PIM activation or a group change since the token was issued. */
export function offersFreshToken(error: ErrorPayload | undefined): boolean {
  if (!error) return false;
  return error.code === 'role_not_found_or_not_member' || error.code === 'token_expired' || error.code === 'token_wrong_tenant' || error.details?.retryFresh === true;
}

/** Why it likely failed and how to fix it, from the error code and the token's claims. */
export function diagnose(profile: Profile, attempt: ConnectAttempt): { why: string; fixes: string[] } {
  const e = attempt.error;
  const t = attempt.token;
  const fixes: string[] = [];
  if (e?.hint) fixes.push(e.hint);
  switch (e?.code) {
    case 'role_not_found_or_not_member': {
      // A user token implies its own UPN as the role: pass it once, or the same hint is shown twice.
      const implied = t?.expectedUsername && t.expectedUsername.toLowerCase() !== t.account?.toLowerCase() ? { expectedUsername: t.expectedUsername } : {};
      // A guest's token may show only the home address: it is never the role name (see usernameHints).
      const guest = t?.guest ? { guest: true, ...(t.homeAccount ? { homeUpn: t.homeAccount } : {}) } : {};
      const hints = usernameHints(profile.username, { ...(t?.account ? { upn: t.account } : {}), ...implied, ...guest });
      fixes.push(...hints, ...(t?.notes ?? []));
      if (t?.account && !t.guest)
        fixes.push(
          `Check that ${t.account} is a member of the Entra group “${profile.username}” (the group must exist as a PostgreSQL principal), or pick your secondary (admin) ID as the profile’s account.`,
        );
      if (t?.groupsOverage) fixes.push('The token has a groups overage claim (more than 200 groups): Azure resolves membership itself, but a just-added membership can take a few minutes.');
      return { why: `The server refused “${profile.username}” for ${t?.account ?? 'this account'}: the role does not exist or the account is not a member of it.`, fixes };
    }
    case 'sign_in_required':
    case 'mfa_required':
      fixes.push(`Sign in as ${accountOf(profile)} again, then connect.`);
      return { why: 'The saved sign-in can no longer be used silently (expired, revoked, or the account needs MFA).', fixes };
    case 'network_unavailable':
      return { why: 'Microsoft Entra ID could not be reached, and no cached token was still valid.', fixes: [...fixes, 'Check your network or proxy and try again.'] };
    case 'tls_verification_failed':
      return { why: 'The server’s certificate could not be verified for this host name.', fixes: [...fixes, 'Use the server’s real *.postgres.database.azure.com name (not an IP or alias).'] };
    case 'server_unreachable':
      return {
        why: `${profile.host}:${profile.port} did not answer.`,
        fixes: [...fixes, 'Check the server name, that the server is running, and its firewall rules / private endpoint for your network.'],
      };
    case 'firewall_blocked':
      return { why: `The server’s firewall does not allow connections from this computer’s IP address${e.details?.ip ? ` (${String(e.details.ip)})` : ''}. pgEntra does not retry this.`, fixes };
    case 'server_restarting':
      return { why: 'The server is restarting or failing over.', fixes: [...fixes, 'Try again in a minute.'] };
    case 'entra_auth_disabled':
      return { why: 'The server asked for a PostgreSQL password instead of an Entra token (this is inferred from the password method it asked for).', fixes };
    case 'login_refused':
      return { why: 'The server refused the login for a reason that will not go away by retrying.', fixes };
    case 'token_wrong_kind':
      return { why: 'The role was created for another kind of principal than the token’s (user vs. service principal / managed identity).', fixes };
    case 'token_wrong_tenant':
      return { why: 'The token comes from another tenant than the server’s.', fixes: [...fixes, ...(t?.notes ?? [])] };
    case 'token_wrong_audience':
    case 'token_invalid':
    case 'token_expired':
      return { why: 'The server rejected the token itself.', fixes: [...fixes, ...(t?.notes ?? []), 'Check the profile’s cloud and tenant match the server.'] };
    default:
      return { why: e?.message ?? 'The connection failed.', fixes };
  }
}

export function ConnectPanel({
  profile,
  attempt,
  onRetry,
  onRetryFresh,
  onEdit,
  onSignIn,
  pim,
}: {
  profile: Profile;
  attempt: ConnectAttempt;
  onRetry: () => void;
  /** Connects again with a token fetched from Entra now, bypassing every cache. */
  onRetryFresh: () => void;
  onEdit: () => void;
  onSignIn: () => void;
  /** PIM for the group the profile logs in as: the running activation, and how to start or stop one. */
  pim?: { progress: PimProgress | undefined; onActivate: (req: CallInputRaw<'pim.activate'>) => void; onCancel: () => void };
}): ReactNode {
  const current = ORDER.indexOf(attempt.failedAt ?? attempt.stage);
  const failed = attempt.error !== undefined;
  const d = failed ? diagnose(profile, attempt) : undefined;
  const t = attempt.token;
  const [allowing, setAllowing] = useState<{ ip: string; ruleName: string } | null>(null);
  const [added, setAdded] = useState<CallOutput<'azure.allowMyIp'> | null>(null);
  const [activating, setActivating] = useState(false);
  return (
    <div className="connect-panel">
      <section className="card connect-card stack" aria-labelledby="connect-title" data-testid="connect-panel">
        <h2 id="connect-title">
          {failed ? 'Could not connect to ' : 'Connecting to '}
          {profile.name}
        </h2>
        <ol className="progress-steps" aria-label="Connection progress">
          {STEPS.map((s, i) => {
            const state = i < current ? 'done' : i === current ? (failed ? 'failed' : 'active') : 'pending';
            return (
              <li key={s.stage} data-state={state}>
                <span className="mark" aria-hidden="true">
                  {state === 'done' ? '✓' : state === 'failed' ? '!' : i + 1}
                </span>
                <span>
                  {s.label}
                  <span className="visually-hidden"> — {state}</span>
                </span>
              </li>
            );
          })}
        </ol>
        {failed && attempt.error && d ? (
          <div className="diag stack tight" data-testid="diagnostics">
            <div className="alert error" role="alert">
              <h3>{attempt.error.message}</h3>
              <p>{d.why}</p>
            </div>
            {pim && attempt.error.code === 'role_not_found_or_not_member' ? (
              <PimOffer profile={profile} attemptId={attempt.id} progress={pim.progress} onActivate={() => setActivating(true)} onCancel={pim.onCancel} />
            ) : null}
            {attempt.preflight ? (
              <section className="stack tight" aria-labelledby="azure-checks-title">
                <h3 id="azure-checks-title">What Azure says about the server</h3>
                <AzureChecks preflight={attempt.preflight} onFix={setAllowing} />
                {attempt.preflight.status === 'done' && attempt.preflight.findings.length === 0 ? <p className="faint">No problems found in the server’s Azure settings.</p> : null}
              </section>
            ) : null}
            {d.fixes.length ? (
              <div className="fix">
                <strong>How to fix it</strong>
                <ul>
                  {[...new Set(d.fixes)].map((f) => (
                    <li key={f}>{f}</li>
                  ))}
                </ul>
              </div>
            ) : null}
            <h3>What was sent</h3>
            <dl>
              <dt>Server</dt>
              <dd>
                {profile.host}:{profile.port} / {profile.database} ({profile.sslmode})
              </dd>
              <dt>Username</dt>
              <dd>{profile.username}</dd>
              <dt>Account</dt>
              <dd>{t?.account ?? accountOf(profile)}</dd>
              {attempt.error.code === 'firewall_blocked' || attempt.error.code === 'entra_auth_disabled' ? (
                <>
                  <dt>Token</dt>
                  <dd>none — the server refused before asking for one</dd>
                </>
              ) : attempt.failedAt === 'tls' ? (
                <>
                  <dt>Token</dt>
                  <dd>none — pgEntra asks for a token only after the server’s certificate is verified</dd>
                </>
              ) : attempt.failedAt === 'token' ? (
                <>
                  <dt>Token</dt>
                  <dd>none — no token could be acquired, so nothing was sent</dd>
                </>
              ) : null}
              {t ? (
                <>
                  <dt>Token</dt>
                  <dd>
                    {t.kind} token for {t.audience ?? 'unknown audience'}, tenant {t.tenantId ?? '?'}, object id {t.objectId ?? '?'},{' '}
                    {t.groupsCount === null ? 'no groups claim (membership unknown)' : `${t.groupsCount} group claim${t.groupsCount === 1 ? '' : 's'}`}
                    {t.groupsOverage ? ' (overage)' : ''}, expires {new Date(t.expiresOn).toLocaleTimeString()}
                  </dd>
                  {t.expectedUsername ? (
                    <>
                      <dt>Token implies role</dt>
                      <dd>{t.expectedUsername}</dd>
                    </>
                  ) : null}
                  {t.guest ? (
                    <>
                      <dt>Guest account</dt>
                      <dd>yes{t.homeAccount ? ` — home address ${t.homeAccount}, which is not the role name` : ''}; the role is the guest’s #EXT# name in the server’s tenant</dd>
                    </>
                  ) : null}
                </>
              ) : null}
              <dt>Error code</dt>
              <dd>
                {attempt.error.code}
                {attempt.error.details?.sqlstate ? ` (SQLSTATE ${String(attempt.error.details.sqlstate)})` : ''}
              </dd>
            </dl>
            <p className="faint">The token itself is never shown here.</p>
            <div className="row">
              {offersFreshToken(attempt.error) ? (
                <button
                  type="button"
                  className="primary"
                  onClick={onRetryFresh}
                  title="Ask Microsoft Entra ID for a new token instead of using the cached one (after activating a group membership in PIM, or a group change)"
                >
                  Retry with a fresh token
                </button>
              ) : null}
              <button type="button" className={offersFreshToken(attempt.error) ? undefined : 'primary'} onClick={onRetry}>
                Try again
              </button>
              <button type="button" onClick={onEdit}>
                Edit profile
              </button>
              {attempt.error.code === 'sign_in_required' || attempt.error.code === 'mfa_required' || attempt.error.code === 'role_not_found_or_not_member' ? (
                <button type="button" onClick={onSignIn}>
                  Sign in with another account…
                </button>
              ) : null}
            </div>
          </div>
        ) : (
          <>
            <p className="muted row">
              <span className="spinner" aria-hidden="true" /> {profile.username} on {profile.host} as {accountOf(profile)}
            </p>
            {added ? (
              <p className="faint" role="status">
                Firewall rule {added.ruleName} ({added.startIpAddress} – {added.endIpAddress}) added; connecting again.
              </p>
            ) : null}
            <AzureChecks preflight={attempt.preflight} onFix={setAllowing} />
          </>
        )}
      </section>
      {activating && pim ? (
        <ActivateDialog
          profile={profile}
          onClose={() => setActivating(false)}
          onActivate={(req) => {
            setActivating(false);
            pim.onActivate(req);
          }}
        />
      ) : null}
      {allowing ? (
        <AllowMyIpDialog
          profile={profile}
          serverName={attempt.preflight?.server?.name ?? profile.host}
          fix={allowing}
          onClose={() => setAllowing(null)}
          onAdded={(rule) => {
            setAllowing(null);
            setAdded(rule);
            onRetry();
          }}
        />
      ) : null}
    </div>
  );
}
