// "New folder": a name for an empty folder in the sidebar (it exists in this window until a
// profile moves into it).
import { useState, type ReactNode } from 'react';
import { Dialog } from '../ui/Dialog.js';

export function NewFolderDialog({ onCreate, onClose }: { onCreate: (name: string) => void; onClose: () => void }): ReactNode {
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
