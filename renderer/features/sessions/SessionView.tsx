// One open session: the query console, its toolbar actions (Entra admin, disconnect) and the
// status bar with account, current_user, server, TLS and the token's renewal.
import type { ReactNode } from 'react';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import { QueryConsole } from '../query/QueryConsole.js';
import { StatusBar } from './StatusBar.js';

export interface SessionViewProps {
  info: SessionInfo;
  renewedAt: number | null;
  /** When the PIM activation this session's group login depends on ends (ISO), if the app activated it. */
  pimEndsAt?: string | null;
  onOpenAdmin: () => void;
  onDisconnect: () => void;
}

export function SessionView({ info, renewedAt, pimEndsAt = null, onOpenAdmin, onDisconnect }: SessionViewProps): ReactNode {
  return (
    <div className="session" data-testid="session-view">
      <QueryConsole
        sessionId={info.sessionId}
        profileName={info.profileName ?? info.host}
        initialSql={'select current_user, now();\n'}
        toolbarExtra={
          <>
            <button type="button" onClick={onOpenAdmin}>
              Entra admin…
            </button>
            <button type="button" onClick={onDisconnect}>
              Disconnect
            </button>
          </>
        }
      />
      <StatusBar info={info} renewedAt={renewedAt} pimEndsAt={pimEndsAt} />
    </div>
  );
}
