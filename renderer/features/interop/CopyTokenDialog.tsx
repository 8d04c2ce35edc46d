// Copy the raw access token — the one place the renderer sees a token, and only after the person
// confirms here and then in the main process's own system dialog (which the renderer cannot
// answer). The clipboard is cleared 60 s later so the token does not linger there.
import { useState, type ReactNode } from 'react';
import type { Profile } from '../../../shared/profile.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { copyText } from '../../ui/clipboard.js';
import { Dialog } from '../../ui/Dialog.js';
import { useNow } from '../../ui/time.js';
import { accountOf } from '../profiles/profileTree.js';
import { ErrorAlert } from '../../ui/Alert.js';

export const CLIPBOARD_CLEAR_MS = 60_000;

export function CopyTokenDialog({ profile, onClose }: { profile: Profile; onClose: () => void }): ReactNode {
  const [understood, setUnderstood] = useState(false);
  const [copiedAt, setCopiedAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow();

  const copy = async (): Promise<void> => {
    setError(null);
    try {
      const { token } = await call('tokens.copy', { profileId: profile.id, confirmed: true });
      await copyText(token);
      setCopiedAt(Date.now());
      // Not tied to this dialog's lifetime: the token must leave the clipboard even if it is closed.
      setTimeout(() => void copyText(''), CLIPBOARD_CLEAR_MS);
    } catch (e) {
      setError(errorPayloadOf(e).message);
    }
  };
  const left = copiedAt ? Math.max(0, Math.ceil((copiedAt + CLIPBOARD_CLEAR_MS - now) / 1000)) : 0;

  return (
    <Dialog
      title="Copy access token"
      onClose={onClose}
      name="copy-token"
      footer={
        <>
          <button type="button" onClick={onClose}>
            Close
          </button>
          <button type="button" className="primary" disabled={!understood} onClick={() => void copy()}>
            Copy token
          </button>
        </>
      }
    >
      <div className="alert warning">
        <h3>This copies a live credential</h3>
        <p>
          Anyone who gets this token can sign in as <strong>{accountOf(profile)}</strong> (for example as <strong>{profile.username}</strong>) to every Azure PostgreSQL server that account can reach,
          until it expires. You rarely need it: pgEntra connects for you, and pgAdmin can fetch tokens itself (Export to pgAdmin).
        </p>
      </div>
      <label className="check plain">
        <input type="checkbox" checked={understood} onChange={(e) => setUnderstood(e.target.checked)} />
        <span>I understand; copy the token for {profile.name}. Clear the clipboard after 60 seconds. pgEntra asks once more in a system dialog.</span>
      </label>
      {copiedAt ? (
        <p className="alert success" role="status">
          {left > 0 ? `Token copied. The clipboard will be cleared in ${left} s.` : 'The clipboard was cleared.'}
        </p>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
    </Dialog>
  );
}
