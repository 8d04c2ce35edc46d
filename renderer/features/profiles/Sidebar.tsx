// The profiles sidebar: search-as-you-type, folders, each profile with its connection state and
// account. Rows are virtualized so thousands of profiles stay fast; arrow keys move between rows,
// Enter connects; profiles can be dragged onto a folder (the keyboard path is "Move to folder"
// in the profile's details).
import { useDeferredValue, useMemo, useRef, useState, type DragEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Profile } from '../../../shared/profile.js';
import { accountOf, buildTree, type TreeRow } from './profileTree.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'sign-in-required' | 'failed' | 'disconnected';

export interface SidebarProps {
  profiles: readonly Profile[];
  extraFolders: readonly string[];
  selectedId: string | null;
  states: ReadonlyMap<string, ConnectionState>;
  onSelect: (id: string) => void;
  onConnect: (id: string) => void;
  onNewProfile: () => void;
  onNewFolder: () => void;
  onMove: (id: string, folder: string) => void;
  footer?: ReactNode;
}

const STATE_LABEL: Record<ConnectionState, string> = {
  connecting: 'connecting',
  connected: 'connected',
  reconnecting: 'reconnecting',
  'sign-in-required': 'sign-in needed',
  failed: 'failed',
  disconnected: 'not connected',
};

const DRAG_TYPE = 'application/x-pgentra-profile';

export function Sidebar(props: SidebarProps): ReactNode {
  const { profiles, extraFolders, selectedId, states, onSelect, onConnect, onMove } = props;
  const [query, setQuery] = useState('');
  const deferredQuery = useDeferredValue(query);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [dropFolder, setDropFolder] = useState<string | null>(null);
  const rows = useMemo(() => buildTree(profiles, extraFolders, deferredQuery, collapsed), [profiles, extraFolders, deferredQuery, collapsed]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'folder' ? 30 : 46),
    overscan: 8,
    getItemKey: (i) => {
      const r = rows[i];
      return r ? (r.kind === 'folder' ? `f:${r.folder}` : `p:${r.profile.id}`) : i;
    },
  });
  const hits = rows.filter((r) => r.kind === 'profile').length;

  const toggle = (folder: string): void =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(folder)) next.delete(folder);
      else next.add(folder);
      return next;
    });

  const focusRow = (index: number): void => {
    const i = Math.max(0, Math.min(rows.length - 1, index));
    virtualizer.scrollToIndex(i);
    requestAnimationFrame(() => scrollRef.current?.querySelector<HTMLElement>(`[data-row-index="${i}"]`)?.focus());
  };

  const onRowKey = (e: KeyboardEvent<HTMLElement>, index: number, row: TreeRow): void => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      focusRow(index + 1);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      focusRow(index - 1);
    } else if (e.key === 'Home') {
      e.preventDefault();
      focusRow(0);
    } else if (e.key === 'End') {
      e.preventDefault();
      focusRow(rows.length - 1);
    } else if (row.kind === 'folder' && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      e.preventDefault();
      if ((e.key === 'ArrowLeft') !== row.collapsed) toggle(row.folder);
    } else if (row.kind === 'profile' && e.key === 'Enter') {
      e.preventDefault();
      onSelect(row.profile.id);
      onConnect(row.profile.id);
    } else if (row.kind === 'profile' && e.key === ' ') {
      e.preventDefault();
      onSelect(row.profile.id);
    }
  };

  const dropProps = (folder: string) => ({
    onDragOver: (e: DragEvent) => {
      if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      setDropFolder(folder);
    },
    onDragLeave: () => setDropFolder((f) => (f === folder ? null : f)),
    onDrop: (e: DragEvent) => {
      const id = e.dataTransfer.getData(DRAG_TYPE);
      setDropFolder(null);
      if (id) {
        e.preventDefault();
        onMove(id, folder);
      }
    },
  });

  return (
    <nav className="sidebar" aria-label="Server profiles">
      <div className="sidebar-head">
        <div className="sidebar-actions">
          <button type="button" className="primary" onClick={props.onNewProfile}>
            + New profile
          </button>
          <button type="button" onClick={props.onNewFolder}>
            New folder
          </button>
        </div>
        <input
          type="search"
          placeholder="Search profiles"
          aria-label="Search profiles"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              focusRow(0);
            }
          }}
        />
        <span className="visually-hidden" role="status">
          {deferredQuery ? `${hits} profile${hits === 1 ? '' : 's'} match` : ''}
        </span>
      </div>
      <div className="tree" ref={scrollRef} data-testid="profile-tree">
        {rows.length === 0 ? (
          <p className="tree-empty">{profiles.length === 0 ? 'No profiles yet.' : `No profiles match “${deferredQuery}”.`}</p>
        ) : (
          <ul style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((v) => {
              const row = rows[v.index];
              if (!row) return null;
              const common = { position: 'absolute' as const, top: 0, left: 0, right: 0, transform: `translateY(${v.start}px)` };
              if (row.kind === 'folder') {
                return (
                  <li key={v.key} style={common} data-index={v.index} ref={virtualizer.measureElement}>
                    <div className={`folder-head${dropFolder === row.folder ? ' drop-target' : ''}`} {...dropProps(row.folder)} data-folder={row.label}>
                      <button type="button" className="icon" aria-expanded={!row.collapsed} data-row-index={v.index} onClick={() => toggle(row.folder)} onKeyDown={(e) => onRowKey(e, v.index, row)}>
                        <span aria-hidden="true">{row.collapsed ? '▸' : '▾'}</span> {row.label}
                      </button>
                      <span className="spacer" />
                      <span className="faint">{row.count}</span>
                    </div>
                  </li>
                );
              }
              const p = row.profile;
              const state = states.get(p.id) ?? 'disconnected';
              const selected = p.id === selectedId;
              return (
                <li key={v.key} style={common} data-index={v.index} ref={virtualizer.measureElement} {...dropProps(p.folder)}>
                  <div
                    className="profile-item"
                    role="button"
                    tabIndex={selected || (selectedId === null && v.index === 1) ? 0 : -1}
                    aria-pressed={selected}
                    data-row-index={v.index}
                    data-profile={p.name}
                    draggable
                    onDragStart={(e) => {
                      e.dataTransfer.setData(DRAG_TYPE, p.id);
                      e.dataTransfer.effectAllowed = 'move';
                    }}
                    onClick={() => onSelect(p.id)}
                    onDoubleClick={() => onConnect(p.id)}
                    onKeyDown={(e) => onRowKey(e, v.index, row)}
                    data-selected={selected}
                  >
                    <span className="swatch" style={p.color ? { background: p.color } : undefined} />
                    <span>
                      <span className="name">{p.name}</span>
                      <span className="sub">
                        {p.username} · {accountOf(p)}
                      </span>
                    </span>
                    <span className="meta" title={STATE_LABEL[state]}>
                      <span className={`dot ${state}`} aria-hidden="true" />
                      <span className="visually-hidden">, {STATE_LABEL[state]}</span>
                    </span>
                  </div>
                </li>
              );
            })}
          </ul>
        )}
      </div>
      {props.footer}
    </nav>
  );
}
