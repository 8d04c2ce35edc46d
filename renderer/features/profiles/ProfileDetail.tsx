// The selected profile on the home screen: its settings at a glance and every action on it —
// connect, edit, duplicate, delete, "Move to folder" (the keyboard path for drag and drop),
// copy a psql command line, copy the token (explicit), pgAdmin export.
import { useState, type ReactNode } from 'react';
import type { Profile } from '../../../shared/profile.js';
import { accountOf, folderLabel } from './profileTree.js';

export interface ProfileDetailProps {
  profile: Profile;
  folders: readonly string[];
  onConnect: () => void;
  onEdit: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onMove: (folder: string) => void;
  onCopyPsql: () => void;
  onCopyToken: () => void;
  onExportPgAdmin: () => void;
}

function cloudText(p: Profile): string {
  return typeof p.cloud === 'string' ? p.cloud : `custom (${p.cloud.customFile})`;
}

export function ProfileDetail(props: ProfileDetailProps): ReactNode {
  const { profile: p, folders } = props;
  const [target, setTarget] = useState(p.folder);
  return (
    <section className="card profile-detail" aria-labelledby="profile-detail-title" data-testid="profile-detail">
      <div className="row" style={{ marginBottom: 12 }}>
        <span className="swatch-chip" style={p.color ? { background: p.color } : undefined} aria-hidden="true" />
        <h2 id="profile-detail-title">{p.name}</h2>
        <span className="badge">{folderLabel(p.folder)}</span>
        <span className="spacer" />
        <button type="button" className="primary" onClick={props.onConnect}>
          Connect
        </button>
      </div>
      <dl>
        <dt>Server</dt>
        <dd>
          {p.host}:{p.port}
        </dd>
        <dt>Database</dt>
        <dd>{p.database}</dd>
        <dt>Username</dt>
        <dd>{p.username}</dd>
        <dt>Identity</dt>
        <dd>
          {p.credential.kind} · {accountOf(p)}
        </dd>
        <dt>Cloud</dt>
        <dd>{cloudText(p)}</dd>
        <dt>TLS</dt>
        <dd>{p.sslmode}</dd>
      </dl>
      <div className="row wrap">
        <button type="button" onClick={props.onEdit}>
          Edit
        </button>
        <button type="button" onClick={props.onDuplicate}>
          Duplicate
        </button>
        <button type="button" className="danger" onClick={props.onDelete}>
          Delete
        </button>
        <span className="spacer" />
        <label className="visually-hidden" htmlFor="move-folder">
          Move to folder
        </label>
        <input id="move-folder" type="text" list="move-folder-list" value={target} placeholder="Servers" onChange={(e) => setTarget(e.target.value)} style={{ width: 140 }} />
        <datalist id="move-folder-list">
          {folders.filter(Boolean).map((f) => (
            <option key={f} value={f} />
          ))}
        </datalist>
        <button type="button" onClick={() => props.onMove(target.trim())} disabled={target.trim() === p.folder}>
          Move to folder
        </button>
      </div>
      <hr className="sep" />
      <div className="row wrap">
        <button type="button" onClick={props.onCopyPsql}>
          Copy psql command
        </button>
        <button type="button" onClick={props.onExportPgAdmin}>
          Export to pgAdmin…
        </button>
        <button type="button" onClick={props.onCopyToken}>
          Copy token…
        </button>
      </div>
    </section>
  );
}
