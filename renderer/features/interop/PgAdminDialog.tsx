// pgAdmin interop: export selected profiles or whole folders to a servers.json (each server gets
// a PasswordExecCommand running the pgentra CLI, so pgAdmin fetches its own tokens), or import one.
import { useMemo, useState, type ReactNode } from 'react';
import type { Profile } from '../../../shared/profile.js';
import { call, errorPayloadOf } from '../../api.js';
import { Dialog } from '../../ui/Dialog.js';
import { saveTextFile } from '../../ui/saveFile.js';
import { folderLabel } from '../profiles/profileTree.js';

export function PgAdminDialog({ profiles, initialSelection, onClose, onImported }: { profiles: readonly Profile[]; initialSelection: readonly string[]; onClose: () => void; onImported: () => void }): ReactNode {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set(initialSelection));
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [importText, setImportText] = useState('');
  const [conflict, setConflict] = useState<'skip' | 'rename' | 'replace'>('skip');
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

  const importFile = async (): Promise<void> => {
    setError(null);
    try {
      const r = await call('interop.importPgAdmin', { json: importText, conflict });
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
          <button type="button" disabled={importText.trim().length < 2} onClick={() => void importFile()}>
            Import
          </button>
        </div>
      </section>
      {result ? (
        <div className="alert success" role="status">
          {result}
        </div>
      ) : null}
      {error ? (
        <div className="alert error" role="alert">
          {error}
        </div>
      ) : null}
    </Dialog>
  );
}
