// The tabs: Home, Browse Azure (once opened) and one per connection. A connection tab follows its
// attempt (stages from `session.connectProgress`, Azure's pre-flight from `session.preflight`)
// and then its session (`session.state`); a failed attempt keeps what it reached and, when the
// server refused the token, a description of the token that was sent.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EventPayload } from '../../shared/contract.js';
import type { SessionInfo } from '../../shared/ipcSessions.js';
import type { Profile } from '../../shared/profile.js';
import { call, errorPayloadOf, hasBridge, on } from '../base/api.js';
import type { ConnectionState } from '../features/profiles/Sidebar.js';
import { failedStage, type ConnectAttempt, type ConnectStage } from '../features/sessions/ConnectPanel.js';
import { applyPreflight } from '../features/sessions/preflight.js';

export interface SessionTab {
  id: string;
  profileId: string;
  title: string;
  attempt: ConnectAttempt;
  info?: SessionInfo;
  renewedAt: number | null;
}

/** 'home', 'azure' (Browse Azure, once opened) or a session tab's id. */
export type TabId = string;

export interface Sessions {
  tabs: SessionTab[];
  activeTab: TabId;
  showTab: (id: TabId) => void;
  activeSession: SessionTab | undefined;
  /** Sessions that lost their connection (reconnecting, waiting for a sign-in, or gone). */
  attentionTabs: SessionTab[];
  /** Each profile's most hopeful connection state across its tabs, for the sidebar. */
  states: ReadonlyMap<string, ConnectionState>;
  azureOpen: boolean;
  openAzure: () => void;
  closeAzure: () => void;
  /** Opens a new tab for the profile and connects it. */
  connect: (profileId: string) => void;
  /** Connects (again) in an existing tab; fresh bypasses every token cache. */
  connectTab: (tabId: string, profileId: string, opts?: { fresh?: boolean }) => Promise<void>;
  closeTab: (tab: SessionTab) => Promise<void>;
}

const PROGRESS_STAGE: Record<EventPayload<'session.connectProgress'>['stage'], ConnectStage> = { tls: 'tls', token: 'token', authenticating: 'auth', connected: 'done' };
const STAGE_ORDER: ConnectStage[] = ['tls', 'token', 'auth', 'done'];
const STATE_RANK: Record<ConnectionState, number> = { connected: 5, reconnecting: 4, 'sign-in-required': 3, connecting: 2, failed: 1, disconnected: 0 };

export function useSessions(profileById: ReadonlyMap<string, Profile>): Sessions {
  const [tabs, setTabs] = useState<SessionTab[]>([]);
  const [activeTab, setActiveTab] = useState<TabId>('home');
  const [azureOpen, setAzureOpen] = useState(false);

  // The latest tabs for async flows (a failed open reads the last stage progress reported).
  const tabsRef = useRef(tabs);
  useEffect(() => {
    tabsRef.current = tabs;
  }, [tabs]);

  const updateTab = useCallback((id: string, patch: (t: SessionTab) => SessionTab) => setTabs((all) => all.map((t) => (t.id === id ? patch(t) : t))), []);

  const onSessionState = useCallback((e: EventPayload<'session.state'>) => {
    setTabs((all) =>
      all.map((t) => {
        if (t.info?.sessionId !== e.sessionId) return t;
        const info: SessionInfo = {
          ...t.info,
          state: e.state === 'token-refreshed' ? t.info.state : e.state,
          ...(e.tokenExpiresOn ? { tokenExpiresOn: e.tokenExpiresOn } : {}),
        };
        return {
          ...t,
          info,
          renewedAt: e.state === 'token-refreshed' ? Date.now() : t.renewedAt,
          attempt: e.error && e.state !== 'connected' ? { ...t.attempt, error: e.error } : { ...t.attempt, error: undefined },
        };
      }),
    );
    if (e.state === 'connected' || e.state === 'token-refreshed') {
      void call('sessions.info', { sessionId: e.sessionId })
        .then((info) => setTabs((all) => all.map((t) => (t.info?.sessionId === e.sessionId ? { ...t, info } : t))))
        .catch(() => undefined);
    }
  }, []);

  useEffect(() => {
    if (!hasBridge()) return;
    const offs = [
      on('session.state', onSessionState),
      on('session.connectProgress', (e) =>
        setTabs((all) =>
          all.map((t) => {
            if (t.profileId !== e.profileId || t.info || t.attempt.error) return t;
            const stage = PROGRESS_STAGE[e.stage];
            // Events never move a panel backwards (a late event after a newer one).
            return STAGE_ORDER.indexOf(stage) > STAGE_ORDER.indexOf(t.attempt.stage) ? { ...t, attempt: { ...t.attempt, stage } } : t;
          }),
        ),
      ),
      on('session.preflight', (e) => setTabs((all) => all.map((t) => (t.profileId === e.profileId ? { ...t, attempt: applyPreflight(t.attempt, e) } : t)))),
    ];
    return () => offs.forEach((off) => off());
  }, [onSessionState]);

  const states = useMemo(() => {
    const m = new Map<string, ConnectionState>();
    for (const t of tabs) {
      const s: ConnectionState = t.info ? (t.info.state === 'closed' ? 'disconnected' : t.info.state) : t.attempt.error ? 'failed' : 'connecting';
      const prev = m.get(t.profileId);
      if (!prev || STATE_RANK[s] > STATE_RANK[prev]) m.set(t.profileId, s);
    }
    return m;
  }, [tabs]);

  const connectTab = useCallback(
    async (tabId: string, profileId: string, opts: { fresh?: boolean } = {}) => {
      // Stages advance with session.connectProgress while sessions.open is pending; the attempt id
      // ties the Azure pre-flight's events to this attempt.
      const attemptId = crypto.randomUUID();
      updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, stage: 'tls' }, info: undefined }));
      try {
        // fresh: "Retry with a fresh token" — the main process bypasses every token cache.
        const info = await call('sessions.open', { profileId, attemptId, ...(opts.fresh ? { fresh: true } : {}) });
        updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, stage: 'done' }, info }));
      } catch (e) {
        const error = errorPayloadOf(e);
        const reached = tabsRef.current.find((t) => t.id === tabId)?.attempt.stage ?? 'tls';
        const failedAt = failedStage(error.code, reached);
        // The pre-flight findings already received stay (the refusal's check follows as an event).
        updateTab(tabId, (t) => ({ ...t, attempt: { id: attemptId, preflight: t.attempt.id === attemptId ? t.attempt.preflight : undefined, stage: failedAt, failedAt, error } }));
        // The server refused the token: describe what was sent (claims only; the broker has it in memory).
        if (failedAt !== 'auth' || error.code === 'entra_auth_disabled') return;
        const token = await call('tokens.describe', { profileId }).catch(() => undefined);
        if (token) updateTab(tabId, (t) => (t.attempt.error === error ? { ...t, attempt: { ...t.attempt, token } } : t));
      }
    },
    [updateTab],
  );

  const connect = useCallback(
    (profileId: string) => {
      const p = profileById.get(profileId);
      if (!p) return;
      const id = crypto.randomUUID();
      setTabs((all) => [...all, { id, profileId, title: p.name, attempt: { stage: 'tls' }, renewedAt: null }]);
      setActiveTab(id);
      void connectTab(id, profileId);
    },
    [profileById, connectTab],
  );

  const closeTab = async (tab: SessionTab): Promise<void> => {
    if (tab.info && tab.info.state !== 'closed') await call('sessions.close', { sessionId: tab.info.sessionId }).catch(() => undefined);
    setTabs((all) => all.filter((t) => t.id !== tab.id));
    setActiveTab((a) => (a === tab.id ? 'home' : a));
  };

  const openAzure = (): void => {
    setAzureOpen(true);
    setActiveTab('azure');
  };
  const closeAzure = (): void => {
    setAzureOpen(false);
    setActiveTab((a) => (a === 'azure' ? 'home' : a));
  };

  const activeSession = tabs.find((t) => t.id === activeTab);
  const attentionTabs = tabs.filter((t) => t.info && (t.info.state === 'reconnecting' || t.info.state === 'sign-in-required' || t.info.state === 'disconnected'));

  return { tabs, activeTab, showTab: setActiveTab, activeSession, attentionTabs, states, azureOpen, openAzure, closeAzure, connect, connectTab, closeTab };
}
