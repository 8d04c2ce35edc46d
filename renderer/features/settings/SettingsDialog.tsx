// Settings shared with the `pgentra` CLI (settings.json): whether to trust the operating system's
// certificate store (where IT installs the root of a TLS-inspecting proxy), and the organisation's
// own app registration (client id) per cloud, for tenants that block the Azure CLI's.
import { useEffect, useState, type ReactNode } from 'react';
import type { SettingsView } from '../../../shared/contract.js';
import { BUILTIN_CLOUD_NAMES, type BuiltinCloudName } from '../../../shared/clouds.js';
import { SettingsSchema } from '../../../shared/settings.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { ErrorAlert } from '../../ui/Alert.js';
import { Dialog } from '../../ui/Dialog.js';

const CLOUD_LABEL: Record<BuiltinCloudName, string> = { public: 'Azure (public)', usgov: 'Azure US Government', china: 'Azure China (21Vianet)' };

export function SettingsDialog({ onClose, onSaved }: { onClose: () => void; onSaved: (text: string) => void }): ReactNode {
  const [view, setView] = useState<SettingsView | null>(null);
  const [trustOs, setTrustOs] = useState(true);
  const [clientIds, setClientIds] = useState<Record<BuiltinCloudName, string>>({ public: '', usgov: '', china: '' });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    call('settings.get', {})
      .then((v) => {
        setView(v);
        setTrustOs(v.settings.trustOsCertificates);
        setClientIds({ public: v.settings.clientIds.public ?? '', usgov: v.settings.clientIds.usgov ?? '', china: v.settings.clientIds.china ?? '' });
      })
      .catch((e: unknown) => setError(errorPayloadOf(e).message));
  }, []);

  const save = async (): Promise<void> => {
    const ids = Object.fromEntries(BUILTIN_CLOUD_NAMES.map((c) => [c, clientIds[c].trim()]).filter(([, v]) => v !== ''));
    const parsed = SettingsSchema.safeParse({ version: 1, trustOsCertificates: trustOs, clientIds: ids });
    if (!parsed.success) {
      setError(parsed.error.issues.map((i) => `${i.path.length > 1 ? CLOUD_LABEL[i.path[1] as BuiltinCloudName] : 'Settings'}: ${i.message}`).join(' '));
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const before = view?.settings.clientIds ?? {};
      const v = await call('settings.set', { settings: parsed.data });
      setView(v);
      const changed = BUILTIN_CLOUD_NAMES.some((c) => (before[c] ?? '') !== (v.settings.clientIds[c] ?? ''));
      onSaved(changed ? 'Settings saved. Sign in again: accounts signed in with the previous client id cannot be used with the new one.' : 'Settings saved.');
    } catch (e) {
      const p = errorPayloadOf(e);
      setError(`${p.message}${p.hint ? ` ${p.hint}` : ''}`);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog
      title="Settings"
      name="settings"
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={!view || saving} onClick={() => void save()}>
            Save
          </button>
        </>
      }
    >
      <fieldset className="stack">
        <legend>Trusted certificates</legend>
        <label className="row">
          <input type="checkbox" checked={trustOs} disabled={!view} onChange={(e) => setTrustOs(e.target.checked)} />
          <span>Trust the operating system’s certificate store</span>
        </label>
        <p className="muted">
          In addition to the roots built into pgEntra. Needed when your network inspects TLS and IT installed its root certificate on this computer. Applies to sign-in, Azure Resource Manager,
          database connections and the CA file pgEntra gives psql and pgAdmin.
        </p>
        {view ? (
          <p className="muted" data-testid="os-certificates">
            {view.osCertificates}
          </p>
        ) : null}
      </fieldset>
      <fieldset className="stack">
        <legend>Your organisation’s app registration</legend>
        <p className="muted">
          pgEntra signs in as the Azure CLI (client id 04b07795-8ddb-461a-bbee-02f9e1bf7b46) unless you set another. If your tenant blocks that app, IT can register one: a public client with the
          redirect URI http://localhost, and delegated permissions for Azure Database for PostgreSQL and Azure Resource Manager. Changing it means signing in again.
        </p>
        {BUILTIN_CLOUD_NAMES.map((c) => (
          <label key={c} className="field">
            <span className="field-label">Client id — {CLOUD_LABEL[c]}</span>
            <input
              type="text"
              value={clientIds[c]}
              disabled={!view}
              placeholder="Azure CLI (default)"
              spellCheck={false}
              autoComplete="off"
              onChange={(e) => setClientIds((ids) => ({ ...ids, [c]: e.target.value }))}
            />
          </label>
        ))}
      </fieldset>
      {view ? (
        <p className="muted">
          Saved in <code>{view.file}</code>, shared with the <code>pgentra</code> command (<code>pgentra settings</code>).
        </p>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
    </Dialog>
  );
}
