// Profiles → the sidebar's rows: folders (pgAdmin-style groups) with their profiles, filtered by
// a search query. Pure and allocation-light so filtering thousands of profiles per keystroke is
// cheap: each profile's searchable text is lowercased once and cached by object identity.
import type { Profile } from '../../../shared/profile.js';

export const DEFAULT_FOLDER_LABEL = 'Servers';

export type TreeRow = { kind: 'folder'; folder: string; label: string; count: number; collapsed: boolean } | { kind: 'profile'; profile: Profile; folder: string };

const haystacks = new WeakMap<Profile, string>();

export function accountOf(p: Profile): string {
  const c = p.credential;
  if ((c.kind === 'interactive' || c.kind === 'device-code') && c.account) return c.account;
  if (c.kind === 'managed-identity') return 'managed identity';
  if (c.kind === 'azure-cli') return 'Azure CLI';
  return 'any signed-in account';
}

function haystackOf(p: Profile): string {
  let h = haystacks.get(p);
  if (h === undefined) {
    h = [p.name, p.host, p.username, p.database, p.folder, accountOf(p)].join('\n').toLowerCase();
    haystacks.set(p, h);
  }
  return h;
}

/** Every whitespace-separated term must occur somewhere (name, host, user, db, folder, account). */
export function matchesQuery(p: Profile, terms: readonly string[]): boolean {
  const h = haystackOf(p);
  for (const t of terms) if (!h.includes(t)) return false;
  return true;
}

export function queryTerms(query: string): string[] {
  return query.toLowerCase().split(/\s+/).filter(Boolean);
}

export function folderLabel(folder: string): string {
  return folder === '' ? DEFAULT_FOLDER_LABEL : folder;
}

export function buildTree(profiles: readonly Profile[], extraFolders: readonly string[], query: string, collapsed: ReadonlySet<string>): TreeRow[] {
  const terms = queryTerms(query);
  const byFolder = new Map<string, Profile[]>();
  for (const f of extraFolders) byFolder.set(f, []);
  for (const p of profiles) {
    if (terms.length && !matchesQuery(p, terms)) continue;
    let list = byFolder.get(p.folder);
    if (!list) byFolder.set(p.folder, (list = []));
    list.push(p);
  }
  const folders = [...byFolder.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  const rows: TreeRow[] = [];
  for (const folder of folders) {
    const list = byFolder.get(folder) ?? [];
    // While searching, folders without hits are hidden and every folder is open.
    if (terms.length && list.length === 0) continue;
    const isCollapsed = terms.length === 0 && collapsed.has(folder);
    rows.push({ kind: 'folder', folder, label: folderLabel(folder), count: list.length, collapsed: isCollapsed });
    if (isCollapsed) continue;
    list.sort((a, b) => a.name.localeCompare(b.name));
    for (const profile of list) rows.push({ kind: 'profile', profile, folder });
  }
  return rows;
}
