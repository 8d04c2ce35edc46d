// pgAdmin interop: export selected profiles or whole folders to a servers.json (each server gets
// a PasswordExecCommand running the pgentra CLI, so pgAdmin fetches its own tokens), or import one.
// Servers on hosts outside the cloud's PostgreSQL domains are imported only for the hosts the
// person confirms one by one (each would receive their Entra token).
import { useMemo, useState, type ReactNode } from 'react';
import type { Profile } from '../../../shared/profile.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { Dialog } from '../../ui/Dialog.js';
import { saveTextFile } from '../../ui/saveFile.js';
import { folderLabel } from '../profiles/profileTree.js';
import { ErrorAlert } from '../../ui/Alert.js';

export function PgAdminDialog({
  profiles,
  initialSelection,
  onClose,
  onImported,
}: {
  profiles: readonly Profile[];
  initialSelection: readonly string[];
  onClose: () => void;
  onImported: () => void;
}): ReactNode {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set(initialSelection));
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [importText, setImportText] = useState('');
  const [conflict, setConflict] = useState<'skip' | 'rename' | 'replace'>('skip');
  /** Hosts outside the cloud's domains found in the file, awaiting a decision each (null: none pending). */
  const [hostsToConfirm, setHostsToConfirm] = useState<readonly string[] | null>(null);
  const [trustedHosts, setTrustedHosts] = useState<ReadonlySet<string>>(new Set());
  const folders = useMemo(() => {
    const m = new Map<string, Profile[]>();
    for (const p of profiles) m.set(p.folder, [...(m.get(p.folder) ?? []), p]);
    return [...m.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [profiles]);

  const toggle = (ids: string[], on: boolean): void =>
    setSelected((prev) => {
      const next = new Set(prev);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return next;
    });

  const exportSelected = async (): Promise<void> => {
    setError(null);
    try {
      const r = await call('interop.exportPgAdmin', { profileIds: [...selected] });
      const saved = await saveTextFile('servers.json', r.json, 'application/json');
      if (!saved.saved) return;
      setResult(`Exported ${r.count} server${r.count === 1 ? '' : 's'} to ${saved.path ?? 'servers.json'}. In pgAdmin: Tools → Import/Export Servers.`);
    } catch (e) {
      setError(errorPayloadOf(e).message);
    }
  };

  const importFile = async (allowedHosts?: string[]): Promise<void> => {
    setError(null);
    setResult(null);
    try {
      const r = await call('interop.importPgAdmin', { json: importText, conflict, ...(allowedHosts ? { allowedHosts } : {}) });
      if (!allowedHosts && r.hostsToConfirm.length > 0) {
        setTrustedHosts(new Set());
        setHostsToConfirm(r.hostsToConfirm);
        return;
      }
      setHostsToConfirm(null);
      setResult(`Imported ${r.imported.length} profile${r.imported.length === 1 ? '' : 's'}${r.skipped.length ? `; skipped ${r.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : ''}.`);
      onImported();
    } catch (e) {
      setError(errorPayloadOf(e).message);
    }
  };

  return (
    <Dialog title="pgAdmin servers.json" onClose={onClose} wide name="pgadmin">
      <section className="stack tight" aria-labelledby="pgadmin-export">
        <h3 id="pgadmin-export">Export</h3>
        <p className="muted">pgAdmin gets each server with a password command that runs pgEntra’s CLI, so it fetches a fresh Entra token itself — no token is stored in the file.</p>
        <div className="stack tight" role="group" aria-label="Profiles to export">
          {folders.map(([folder, list]) => {
            const ids = list.map((p) => p.id);
            const all = ids.every((id) => selected.has(id));
            return (
              <fieldset key={folder}>
                <legend>
                  <label className="row">
                    <input type="checkbox" checked={all} onChange={(e) => toggle(ids, e.target.checked)} /> {folderLabel(folder)}
                  </label>
                </legend>
                <div className="row wrap">
                  {list.map((p) => (
                    <label key={p.id} className="row">
                      <input type="checkbox" checked={selected.has(p.id)} onChange={(e) => toggle([p.id], e.target.checked)} /> {p.name}
                    </label>
                  ))}
                </div>
              </fieldset>
            );
          })}
        </div>
        <div className="row">
          <button type="button" className="primary" disabled={selected.size === 0} onClick={() => void exportSelected()}>
            Export {selected.size} to servers.json
          </button>
        </div>
      </section>
      <hr className="sep" />
      <section className="stack tight" aria-labelledby="pgadmin-import">
        <h3 id="pgadmin-import">Import</h3>
        <label className="field">
          <span className="field-label">servers.json file</span>
          <input
            type="file"
            accept=".json,application/json"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then(setImportText);
            }}
          />
        </label>
        <label className="field">
          <span className="field-label">…or paste its contents</span>
          <textarea rows={4} value={importText} onChange={(e) => setImportText(e.target.value)} spellCheck={false} className="mono" />
        </label>
        <div className="row">
          <label className="row">
            If a profile exists
            <select value={conflict} onChange={(e) => setConflict(e.target.value as typeof conflict)} style={{ width: 'auto' }}>
              <option value="skip">skip it</option>
              <option value="rename">import with a new name</option>
              <option value="replace">replace it</option>
            </select>
          </label>
          <span className="spacer" />
          <button type="button" disabled={importText.trim().length < 2 || hostsToConfirm !== null} onClick={() => void importFile()}>
            Import
          </button>
        </div>
        {hostsToConfirm ? (
          <div className="alert warning stack tight" role="group" aria-labelledby="pgadmin-hosts" data-testid="pgadmin-host-confirmation">
            <h4 id="pgadmin-hosts">Confirm each host outside Azure Database for PostgreSQL</h4>
            <p>
              These hosts are not Azure PostgreSQL servers. pgEntra would send your Microsoft Entra token to each one you tick, and whoever runs it could use the token against every server you can
              reach. Servers on hosts you leave unticked are not imported, and pgEntra asks once more for each ticked host in a system dialog.
            </p>
            {hostsToConfirm.map((h) => (
              <label key={h} className="check plain">
                <input
                  type="checkbox"
                  checked={trustedHosts.has(h)}
                  onChange={(e) =>
                    setTrustedHosts((prev) => {
                      const next = new Set(prev);
                      if (e.target.checked) next.add(h);
                      else next.delete(h);
                      return next;
                    })
                  }
                />
                <span>
                  I trust <strong className="mono">{h}</strong> with my Entra token
                </span>
              </label>
            ))}
            <div className="row">
              <button type="button" onClick={() => setHostsToConfirm(null)}>
                Cancel import
              </button>
              <span className="spacer" />
              <button type="button" className="primary" onClick={() => void importFile([...trustedHosts])}>
                Import{trustedHosts.size < hostsToConfirm.length ? ' without the unticked hosts' : ''}
              </button>
            </div>
          </div>
        ) : null}
      </section>
      {result ? (
        <div className="alert success" role="status">
          {result}
        </div>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
    </Dialog>
  );
}
