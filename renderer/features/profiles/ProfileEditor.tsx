// Create or edit a profile. The seed's four fields come first (server, port, maintenance
// database, username = the Entra group), then the identity (credential kind, account, tenant),
// cloud, TLS and colour. Validation runs in the main process (it knows custom clouds' domains)
// as you type; warnings that need consent (non-Azure host, weaker TLS) are explicit checkboxes.
// From Browse Azure it opens prefilled with Azure's proposal (the server's link kept in `azure`)
// and offers the proposed usernames as choices; the person still confirms with Save.
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Account, CallInputRaw } from '../../../shared/contract.js';
import type { CredentialKind } from '../../../shared/credential.js';
import type { Profile, ProfileFieldError } from '../../../shared/profile.js';
import { usernameHints } from '../../../shared/profile.js';
import { ApiError, call, errorPayloadOf } from '../../base/api.js';
import { Dialog } from '../../ui/Dialog.js';
import { Field } from '../../ui/Field.js';
import { type CloudKind, type Draft, type ProfileSeed, draftFrom, linkedServer, toInput } from './profileDraft.js';
import { DEFAULT_FOLDER_LABEL } from './profileTree.js';
import { ErrorAlert } from '../../ui/Alert.js';

export { linkedServer, type ProfileSeed } from './profileDraft.js';

export const PROFILE_COLOURS = ['#1e6fd9', '#0f8a5f', '#b35c00', '#c62f3d', '#7a4cc2', '#0f7f8c', '#5b6472'] as const;
const SIGN_IN_OPTION = '__sign_in__';

export interface ProfileEditorProps {
  profile: Profile | null;
  folder: string;
  folders: readonly string[];
  accounts: readonly Account[];
  seed: ProfileSeed;
  onSignIn: (cloud: Profile['cloud'], tenant?: string) => Promise<Account | null>;
  onSaved: (profile: Profile) => void;
  onClose: () => void;
}

export function ProfileEditor({ profile, folder, folders, accounts, seed, onSignIn, onSaved, onClose }: ProfileEditorProps): ReactNode {
  const [draft, setDraft] = useState<Draft>(() => draftFrom(profile, folder, seed));
  const usernameChoices = profile ? [] : (seed.fromAzure?.usernameChoices ?? []);
  const link = linkedServer(draft.host, draft.azureResourceId);
  const [errors, setErrors] = useState<ProfileFieldError[]>([]);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [showAll, setShowAll] = useState(false);
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);
  const validation = useRef(0);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]): void => {
    setDraft((d) => ({ ...d, [key]: value }));
    setTouched((t) => new Set(t).add(key));
  };

  // Validate in the main process as the person types (debounced); stale answers are dropped.
  useEffect(() => {
    const run = ++validation.current;
    const t = setTimeout(() => {
      call('profiles.validate', { profile: toInput(draft) })
        .then((r) => {
          if (run === validation.current) setErrors(r.ok ? [] : r.errors);
        })
        .catch(() => undefined);
    }, 200);
    return () => clearTimeout(t);
  }, [draft]);

  const fieldMap: Record<string, keyof Draft> = {
    name: 'name',
    folder: 'folder',
    host: 'host',
    port: 'port',
    database: 'database',
    username: 'username',
    sslmode: 'sslmode',
    color: 'color',
    notes: 'notes',
    cloud: 'customFile',
    credential: 'account',
  };
  const errorFor = (path: string): string | undefined => {
    const key = fieldMap[path.split('.')[0] ?? ''];
    if (!showAll && (!key || !touched.has(key))) return undefined;
    return errors.find((e) => e.path.split('.')[0] === path && e.code === 'invalid_input')?.message;
  };
  const needsNonAzure = errors.some((e) => e.path === 'host' && e.code === 'confirmation_required');
  const needsWeakTls = errors.some((e) => e.path === 'sslmode' && e.code === 'confirmation_required');
  const nonAzureMessage = errors.find((e) => e.path === 'host' && e.code === 'confirmation_required')?.message;
  const weakTlsMessage = errors.find((e) => e.path === 'sslmode' && e.code === 'confirmation_required')?.message;
  const cloudTrustMessage = errors.find((e) => e.path === 'cloud' && e.code === 'confirmation_required')?.message;
  const hints = useMemo(() => (draft.username && draft.account ? usernameHints(draft.username, {}) : []), [draft.username, draft.account]);
  const cloudRef: Profile['cloud'] = draft.cloudKind === 'custom' ? { customFile: draft.customFile.trim() } : draft.cloudKind;
  const accountOptions = useMemo(() => {
    const names = accounts.map((a) => a.username);
    if (draft.account && !names.includes(draft.account)) names.unshift(draft.account);
    return names;
  }, [accounts, draft.account]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setShowAll(true);
    setSaveError(null);
    const input = toInput(draft);
    const check = await call('profiles.validate', { profile: input }).catch((err: unknown) => ({
      ok: false as const,
      errors: [{ path: '', message: errorPayloadOf(err).message, code: 'invalid_input' as const }],
    }));
    if (!check.ok) {
      setErrors(check.errors);
      return;
    }
    setSaving(true);
    try {
      const saved = await call('profiles.save', { ...(profile ? { id: profile.id } : {}), profile: input as CallInputRaw<'profiles.save'>['profile'] });
      onSaved(saved.profile);
    } catch (err) {
      setSaveError(err instanceof ApiError ? `${err.message}${err.payload.hint ? ` ${err.payload.hint}` : ''}` : errorPayloadOf(err).message);
    } finally {
      setSaving(false);
    }
  };

  const formId = 'profile-editor-form';
  const blockingCount = errors.filter((e) => e.code === 'invalid_input').length;
  return (
    <Dialog
      title={profile ? `Edit ${profile.name}` : seed.fromAzure ? `New profile for ${seed.fromAzure.server.name}` : 'New server profile'}
      onClose={onClose}
      wide
      name="profile-editor"
      footer={
        <>
          {showAll && blockingCount > 0 ? (
            <span className="error muted" role="alert">
              Fix {blockingCount} field{blockingCount === 1 ? '' : 's'} to save.
            </span>
          ) : null}
          <span className="spacer" />
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save profile'}
          </button>
        </>
      }
    >
      <form id={formId} className="stack" onSubmit={(e) => void submit(e)} noValidate>
        {seed.fromAzure && !profile ? (
          <p className="alert info">
            Filled in from Azure for <strong>{seed.fromAzure.server.name}</strong> ({seed.fromAzure.server.resourceGroup}, {seed.fromAzure.server.location}). Check the username and save; nothing is
            saved until you do.
          </p>
        ) : null}
        <fieldset>
          <legend>Server</legend>
          <div className="form-grid">
            <Field label="Server name" className="span-2" error={errorFor('host')} help="The flexible server’s host, e.g. myserver.postgres.database.azure.com">
              <input type="text" value={draft.host} autoFocus spellCheck={false} autoComplete="off" onChange={(e) => set('host', e.target.value)} />
            </Field>
            <Field label="Port" error={errorFor('port')}>
              <input type="text" inputMode="numeric" value={draft.port} onChange={(e) => set('port', e.target.value)} />
            </Field>
            <Field label="Maintenance database" error={errorFor('database')}>
              <input type="text" value={draft.database} spellCheck={false} onChange={(e) => set('database', e.target.value)} />
            </Field>
            {usernameChoices.length > 0 ? (
              <div className="field span-2">
                <span className="field-label" id="username-choices-label">
                  Proposed usernames
                </span>
                <div className="choice-list" role="radiogroup" aria-labelledby="username-choices-label">
                  {usernameChoices.map((c) => (
                    <label key={c.username} className="choice">
                      <input type="radio" name="username-choice" checked={draft.username === c.username} onChange={() => set('username', c.username)} />
                      <span>
                        <strong>{c.username}</strong> <span className="muted">— {c.label}</span>
                      </span>
                    </label>
                  ))}
                </div>
              </div>
            ) : null}
            <Field
              label="Username"
              className="span-2"
              error={errorFor('username')}
              hints={hints}
              help="The Entra group’s exact name (e.g. db-admins), your UPN, or a managed identity’s name. Case-sensitive."
            >
              <input type="text" value={draft.username} spellCheck={false} autoComplete="off" onChange={(e) => set('username', e.target.value)} />
            </Field>
          </div>
          {link ? (
            <p className="muted" data-testid="azure-link">
              {link.linked
                ? `Linked to the Azure server ${link.name}: its pre-flight checks and “Allow my IP” use it.`
                : `This host does not name the Azure server ${link.name}, so saving removes the profile’s link to it.`}
            </p>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>Identity</legend>
          <div className="form-grid">
            <Field label="Credential">
              <select value={draft.credentialKind} onChange={(e) => set('credentialKind', e.target.value as CredentialKind)}>
                <option value="interactive">Entra account (browser sign-in)</option>
                <option value="device-code">Entra account (device code)</option>
                <option value="managed-identity">Managed identity</option>
                <option value="azure-cli">Azure CLI login</option>
              </select>
            </Field>
            {draft.credentialKind === 'interactive' || draft.credentialKind === 'device-code' ? (
              <Field label="Account" error={errorFor('credential')} help="Your secondary (admin) ID that is a member of the group.">
                <select
                  value={draft.account}
                  onChange={(e) => {
                    const v = e.target.value;
                    if (v !== SIGN_IN_OPTION) return set('account', v);
                    void onSignIn(cloudRef, draft.tenant.trim() || undefined).then((a) => {
                      if (a) set('account', a.username);
                    });
                  }}
                >
                  <option value="">Choose when connecting</option>
                  {accountOptions.map((u) => (
                    <option key={u} value={u}>
                      {u}
                    </option>
                  ))}
                  <option value={SIGN_IN_OPTION}>Sign in with another account…</option>
                </select>
              </Field>
            ) : draft.credentialKind === 'managed-identity' ? (
              <Field label="Client id (user-assigned)" error={errorFor('credential')} help="Leave empty for the system-assigned identity.">
                <input type="text" value={draft.miClientId} spellCheck={false} onChange={(e) => set('miClientId', e.target.value)} />
              </Field>
            ) : (
              <span />
            )}
            {draft.credentialKind !== 'managed-identity' ? (
              <Field label="Tenant" help="Tenant id or domain; empty for your home tenant.">
                <input type="text" value={draft.tenant} spellCheck={false} onChange={(e) => set('tenant', e.target.value)} />
              </Field>
            ) : null}
            <Field label="Cloud" error={draft.cloudKind === 'custom' ? undefined : errorFor('cloud')}>
              <select value={draft.cloudKind} onChange={(e) => set('cloudKind', e.target.value as CloudKind)}>
                <option value="public">Azure (public)</option>
                <option value="usgov">Azure US Government</option>
                <option value="china">Azure China</option>
                <option value="custom">Custom cloud file…</option>
              </select>
            </Field>
            {draft.cloudKind === 'custom' ? (
              <Field label="Custom cloud file" className="span-2" error={errorFor('cloud')} help="Absolute path of the cloud JSON file.">
                <input type="text" value={draft.customFile} spellCheck={false} onChange={(e) => set('customFile', e.target.value)} />
              </Field>
            ) : null}
          </div>
        </fieldset>

        <fieldset>
          <legend>Connection</legend>
          <div className="form-grid">
            <Field label="TLS mode" error={errorFor('sslmode')}>
              <select value={draft.sslmode} onChange={(e) => set('sslmode', e.target.value as Draft['sslmode'])}>
                <option value="verify-full">verify-full (recommended)</option>
                <option value="verify-ca">verify-ca</option>
                <option value="require">require</option>
              </select>
            </Field>
            <Field label="Profile name" error={errorFor('name')} help="Defaults to the server’s short name.">
              <input type="text" value={draft.name} placeholder={draft.host.split('.')[0] || 'myserver'} onChange={(e) => set('name', e.target.value)} />
            </Field>
            <Field label="Folder" error={errorFor('folder')} help={`Empty for “${DEFAULT_FOLDER_LABEL}”.`}>
              <input type="text" list="profile-folders" value={draft.folder} onChange={(e) => set('folder', e.target.value)} />
            </Field>
            <datalist id="profile-folders">
              {folders.filter(Boolean).map((f) => (
                <option key={f} value={f} />
              ))}
            </datalist>
            <div className="field">
              <span className="field-label" id="colour-label">
                Colour
              </span>
              <div className="row wrap" role="radiogroup" aria-labelledby="colour-label">
                <label className="row">
                  <input type="radio" name="colour" checked={draft.color === ''} onChange={() => set('color', '')} /> None
                </label>
                {PROFILE_COLOURS.map((c) => (
                  <label key={c} className="row" title={c}>
                    <input type="radio" name="colour" aria-label={`Colour ${c}`} checked={draft.color.toLowerCase() === c} onChange={() => set('color', c)} />
                    <span className="swatch-chip" style={{ background: c }} />
                  </label>
                ))}
              </div>
            </div>
          </div>
        </fieldset>

        {needsNonAzure || draft.confirmNonAzure ? (
          <label className="check">
            <input type="checkbox" checked={draft.confirmNonAzure} onChange={(e) => set('confirmNonAzure', e.target.checked)} />
            <span>
              <strong>Send my Entra token to a non-Azure host</strong>
              <br />
              <span className="muted">{nonAzureMessage ?? 'This host is outside the cloud’s PostgreSQL domains.'}</span>
            </span>
          </label>
        ) : null}
        {cloudTrustMessage !== undefined || draft.confirmCloudTrust ? (
          <label className="check">
            <input type="checkbox" checked={draft.confirmCloudTrust} onChange={(e) => set('confirmCloudTrust', e.target.checked)} />
            <span>
              <strong>Trust this custom cloud file</strong>
              <br />
              <span className="muted">
                {cloudTrustMessage ?? 'Saving shows the file in a pgEntra system dialog; your trust is recorded for the file exactly as shown there (outside the profile).'}
              </span>
            </span>
          </label>
        ) : null}
        {needsWeakTls || draft.confirmWeakTls ? (
          <label className="check">
            <input type="checkbox" checked={draft.confirmWeakTls} onChange={(e) => set('confirmWeakTls', e.target.checked)} />
            <span>
              <strong>Use weaker TLS</strong>
              <br />
              <span className="muted">{weakTlsMessage ?? 'The server certificate’s host name is not checked.'}</span>
            </span>
          </label>
        ) : null}
        {saveError ? <ErrorAlert>{saveError}</ErrorAlert> : null}
        {showAll && errors.some((e) => e.path === '') ? (
          <div className="alert error" role="alert">
            {errors
              .filter((e) => e.path === '')
              .map((e) => e.message)
              .join(' ')}
          </div>
        ) : null}
      </form>
    </Dialog>
  );
}
