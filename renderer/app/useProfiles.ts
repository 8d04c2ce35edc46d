// The profiles as the main process has them (refreshed on `profiles.changed`), the selection, the
// folders created in this window that hold no profile yet, and the profile actions (delete with
// ten seconds to undo, restore, move, duplicate). Without the main process, or when it cannot list
// the profiles, the app cannot start: `fatal` says why.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Profile } from '../../shared/profile.js';
import { call, errorPayloadOf, hasBridge, on } from '../base/api.js';

const UNDO_MS = 10_000;
const NO_BRIDGE = 'pgEntra’s main process is not connected: this page must run inside the pgEntra app.';

export interface Profiles {
  profiles: Profile[];
  /** The first list has arrived. */
  loaded: boolean;
  fatal: string | null;
  profileById: ReadonlyMap<string, Profile>;
  selectedId: string | null;
  selected: Profile | null;
  select: (id: string | null) => void;
  /** Every folder: the profiles' and the new empty ones, sorted. */
  folders: string[];
  extraFolders: string[];
  addFolder: (name: string) => void;
  /** The profile just deleted, while it can still be restored. */
  undo: Profile | null;
  refresh: () => Promise<void>;
  remove: (p: Profile) => Promise<void>;
  restore: () => Promise<void>;
  move: (id: string, folder: string) => Promise<void>;
  duplicate: (p: Profile) => Promise<void>;
}

export function useProfiles(notify: (text: string) => void): Profiles {
  const [profiles, setProfiles] = useState<Profile[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [fatal, setFatal] = useState<string | null>(null);
  const [extraFolders, setExtraFolders] = useState<string[]>([]);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [undo, setUndo] = useState<Profile | null>(null);
  const undoTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const { profiles: list } = await call('profiles.list', {});
      setProfiles(list);
      setLoaded(true);
    } catch (e) {
      setFatal(errorPayloadOf(e).message);
    }
  }, []);

  useEffect(() => {
    if (!hasBridge()) {
      setFatal(NO_BRIDGE);
      return;
    }
    void refresh();
    return on('profiles.changed', () => void refresh());
  }, [refresh]);

  const profileById = useMemo(() => new Map(profiles.map((p) => [p.id, p])), [profiles]);
  const selected = selectedId ? (profileById.get(selectedId) ?? null) : null;
  const folders = useMemo(() => [...new Set([...profiles.map((p) => p.folder), ...extraFolders])].sort(), [profiles, extraFolders]);

  const addFolder = useCallback((name: string) => setExtraFolders((f) => [...new Set([...f, name])]), []);

  const remove = async (p: Profile): Promise<void> => {
    try {
      const { profile } = await call('profiles.delete', { id: p.id });
      setUndo(profile);
      setSelectedId(null);
      clearTimeout(undoTimer.current);
      undoTimer.current = setTimeout(() => setUndo(null), UNDO_MS);
      await refresh();
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const restore = async (): Promise<void> => {
    if (!undo) return;
    try {
      const { profile } = await call('profiles.restore', { profile: undo });
      setUndo(null);
      setSelectedId(profile.id);
      await refresh();
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const move = async (id: string, folder: string): Promise<void> => {
    try {
      const { profile } = await call('profiles.move', { id, folder });
      await refresh();
      notify(`Moved ${profile.name} to ${folder || 'Servers'}.`);
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };
  const duplicate = async (p: Profile): Promise<void> => {
    try {
      const { profile } = await call('profiles.duplicate', { id: p.id });
      await refresh();
      setSelectedId(profile.id);
      notify(`Created ${profile.name}.`);
    } catch (e) {
      notify(errorPayloadOf(e).message);
    }
  };

  return {
    profiles,
    loaded,
    fatal,
    profileById,
    selectedId,
    selected,
    select: setSelectedId,
    folders,
    extraFolders,
    addFolder,
    undo,
    refresh,
    remove,
    restore,
    move,
    duplicate,
  };
}
