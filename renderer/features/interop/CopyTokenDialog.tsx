// Copy the raw access token. The renderer never sees it: after the person confirms here, the
// main process asks again in its own system dialog (which the renderer cannot answer), writes the
// clipboard itself and clears it again after 60 s if it still holds the token.
import { useState, type ReactNode } from 'react';
import type { Profile } from '../../../shared/profile.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { Dialog } from '../../ui/Dialog.js';
import { useNow } from '../../ui/time.js';
import { accountOf } from '../profiles/profileTree.js';
import { ErrorAlert } from '../../ui/Alert.js';

export function CopyTokenDialog({ profile, onClose }: { profile: Profile; onClose: () => void }): ReactNode {
  const [understood, setUnderstood] = useState(false);
  const [copied, setCopied] = useState<{ at: number; clearMs: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = useNow();

  const copy = async (): Promise<void> => {
    setError(null);
    try {
      const { clearsAfterSeconds } = await call('tokens.copy', { profileId: profile.id });
      setCopied({ at: Date.now(), clearMs: clearsAfterSeconds * 1000 });
    } catch (e) {
      setError(errorPayloadOf(e).message);
    }
  };
  const left = copied ? Math.max(0, Math.ceil((copied.at + copied.clearMs - now) / 1000)) : 0;

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
      {copied ? (
        <p className="alert success" role="status">
          {left > 0 ? `Token copied. The clipboard will be cleared in ${left} s.` : 'The clipboard was cleared.'}
        </p>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
    </Dialog>
  );
}
