// The sidebar's rows: profiles grouped under folders (the default folder first as "Servers", the
// rest by name), profiles by name inside each folder, collapsed folders without their profiles,
// and the search box (every term must occur in name, host, user, database, folder or account).
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../shared/profile.js';
import { DEFAULT_FOLDER_LABEL, accountOf, buildTree, folderLabel, matchesQuery, queryTerms, type TreeRow } from '../../../renderer/features/profiles/profileTree.js';
import { PROFILE } from '../ipc/fixtures.js';

let ids = 0;
const profile = (name: string, over: Partial<Profile> = {}): Profile => ({
  ...PROFILE,
  id: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  name,
  host: `${name.toLowerCase().replace(/[^a-z0-9]/g, '')}.postgres.database.azure.com`,
  ...over,
});

/** Rows in a compact form: "[Folder] count" / "[Folder] count (collapsed)" / "  name". */
const show = (rows: readonly TreeRow[]): string[] => rows.map((r) => (r.kind === 'folder' ? `[${r.label}] ${r.count}${r.collapsed ? ' (collapsed)' : ''}` : `  ${r.profile.name}`));

const NONE = new Set<string>();

describe('accountOf', () => {
  it('names the account a profile signs in with, or the kind of identity', () => {
    expect(accountOf(profile('a', { credential: { kind: 'interactive', account: 'admin@contoso.example' } }))).toBe('admin@contoso.example');
    expect(accountOf(profile('a', { credential: { kind: 'device-code', account: 'dev@contoso.example' } }))).toBe('dev@contoso.example');
    expect(accountOf(profile('a', { credential: { kind: 'interactive' } }))).toBe('any signed-in account');
    expect(accountOf(profile('a', { credential: { kind: 'device-code' } }))).toBe('any signed-in account');
    expect(accountOf(profile('a', { credential: { kind: 'managed-identity', clientId: '00000000-0000-0000-0000-000000000001' } }))).toBe('managed identity');
    expect(accountOf(profile('a', { credential: { kind: 'azure-cli', tenant: 'contoso.example' } }))).toBe('Azure CLI');
  });
});

describe('folderLabel', () => {
  it('shows the default folder ("") as Servers and any other folder by its name', () => {
    expect(DEFAULT_FOLDER_LABEL).toBe('Servers');
    expect(folderLabel('')).toBe('Servers');
    expect(folderLabel('Production')).toBe('Production');
  });
});

describe('queryTerms', () => {
  it('lowercases and splits on any whitespace, dropping empty terms', () => {
    expect(queryTerms('  Prod\tEAST  admin\n')).toEqual(['prod', 'east', 'admin']);
    expect(queryTerms('')).toEqual([]);
    expect(queryTerms('   ')).toEqual([]);
  });
});

describe('matchesQuery', () => {
  const p = profile('Billing Prod', {
    host: 'billing-east.postgres.database.azure.com',
    username: 'Finance-Admins',
    database: 'ledger',
    folder: 'Contoso',
    credential: { kind: 'interactive', account: 'ops@contoso.example' },
    notes: 'secret-word',
  });
  const matches = (q: string): boolean => matchesQuery(p, queryTerms(q));

  it('finds a term in the name, host, user, database, folder or account, ignoring case', () => {
    for (const q of ['billing', 'PROD', 'east', 'finance-admins', 'LEDGER', 'contoso', 'ops@contoso']) expect(matches(q), q).toBe(true);
  });

  it('needs every term (AND), each anywhere', () => {
    expect(matches('prod ledger ops@')).toBe(true);
    expect(matches('prod staging')).toBe(false);
  });

  it('matches substrings but not text the profile does not show in the tree (notes, port)', () => {
    expect(matches('edge')).toBe(true); // in "ledger"
    expect(matches('secret-word')).toBe(false);
    expect(matches('5432')).toBe(false);
  });

  it('no terms match everything', () => {
    expect(matchesQuery(p, [])).toBe(true);
  });

  it('searches the kind of identity when there is no account', () => {
    expect(matchesQuery(profile('x', { credential: { kind: 'azure-cli' } }), ['azure', 'cli'])).toBe(true);
    expect(matchesQuery(profile('x', { credential: { kind: 'managed-identity' } }), ['managed'])).toBe(true);
  });

  it('an edited copy of a profile is searched by its new text', () => {
    const before = profile('Old name', { host: 'h1.postgres.database.azure.com' });
    expect(matchesQuery(before, ['old'])).toBe(true);
    const after = { ...before, name: 'New name' };
    expect(matchesQuery(after, ['old'])).toBe(false);
    expect(matchesQuery(after, ['new'])).toBe(true);
  });
});

describe('buildTree', () => {
  const profiles = [
    profile('zeta', { folder: 'Production' }),
    profile('Alpha', { folder: 'Production' }),
    profile('scratch'),
    profile('beta', { folder: 'Analytics' }),
    profile('Local dev'),
    profile('gamma', { folder: 'staging' }),
  ];

  it('puts the default folder first as Servers, then folders and the profiles in each by name', () => {
    expect(show(buildTree(profiles, [], '', NONE))).toEqual(['[Servers] 2', '  Local dev', '  scratch', '[Analytics] 1', '  beta', '[Production] 2', '  Alpha', '  zeta', '[staging] 1', '  gamma']);
  });

  it('gives each row its folder, and the folder row its raw name', () => {
    const rows = buildTree(profiles, [], '', NONE);
    const servers = rows[0];
    expect(servers).toEqual({ kind: 'folder', folder: '', label: 'Servers', count: 2, collapsed: false });
    const alpha = rows.find((r) => r.kind === 'profile' && r.profile.name === 'Alpha');
    expect(alpha).toEqual({ kind: 'profile', profile: profiles[1], folder: 'Production' });
  });

  it("does not reorder the caller's array", () => {
    const input = [...profiles];
    buildTree(input, [], '', NONE);
    expect(input).toEqual(profiles);
  });

  it('no profiles and no folders: no rows', () => {
    expect(buildTree([], [], '', NONE)).toEqual([]);
  });

  it('lists extra (empty) folders with a count of 0, once each, sorted in with the others', () => {
    expect(show(buildTree(profiles, ['Empty', 'Production', 'Empty'], '', NONE))).toEqual([
      '[Servers] 2',
      '  Local dev',
      '  scratch',
      '[Analytics] 1',
      '  beta',
      '[Empty] 0',
      '[Production] 2',
      '  Alpha',
      '  zeta',
      '[staging] 1',
      '  gamma',
    ]);
    expect(show(buildTree([], [''], '', NONE))).toEqual(['[Servers] 0']);
  });

  it('a collapsed folder keeps its count but not its profile rows; others stay open', () => {
    expect(show(buildTree(profiles, [], '', new Set(['Production', ''])))).toEqual(['[Servers] 2 (collapsed)', '[Analytics] 1', '  beta', '[Production] 2 (collapsed)', '[staging] 1', '  gamma']);
  });

  it('while searching: only matching profiles, folders without hits hidden (extra ones too), counts of hits', () => {
    // "et" occurs only in the names zeta and beta (not in the shared host suffix, user, database or account).
    expect(show(buildTree(profiles, ['Empty'], 'et', NONE))).toEqual(['[Analytics] 1', '  beta', '[Production] 1', '  zeta']);
    expect(show(buildTree(profiles, ['Empty'], 'ALPHA', NONE))).toEqual(['[Production] 1', '  Alpha']);
    expect(show(buildTree(profiles, [], 'local', NONE))).toEqual(['[Servers] 1', '  Local dev']);
  });

  it('a search term can be a folder name: the whole folder matches', () => {
    expect(show(buildTree(profiles, [], 'production', NONE))).toEqual(['[Production] 2', '  Alpha', '  zeta']);
  });

  it('while searching every folder is open, collapsed or not', () => {
    const rows = buildTree(profiles, [], 'zeta', new Set(['Production']));
    expect(show(rows)).toEqual(['[Production] 1', '  zeta']);
    expect(rows[0]).toMatchObject({ collapsed: false });
  });

  it('no hits at all: no rows', () => {
    expect(buildTree(profiles, ['Empty'], 'nothing-like-this', NONE)).toEqual([]);
  });

  it('a query of only spaces is no search: empty folders and collapsed state count again', () => {
    expect(show(buildTree(profiles, ['Empty'], '   ', new Set(['staging'])))).toContain('[Empty] 0');
    expect(show(buildTree(profiles, ['Empty'], '   ', new Set(['staging'])))).toContain('[staging] 1 (collapsed)');
  });

  it('handles thousands of profiles: every profile once, folders in order, profiles sorted inside', () => {
    const many = Array.from({ length: 3000 }, (_, i) => profile(`db-${String((i * 7919) % 3000).padStart(4, '0')}`, { folder: `F${i % 7}` }));
    const rows = buildTree(many, [], '', NONE);
    const folders = rows.filter((r) => r.kind === 'folder');
    expect(folders.map((r) => r.folder)).toEqual(['F0', 'F1', 'F2', 'F3', 'F4', 'F5', 'F6']);
    expect(folders.reduce((n, r) => n + (r.kind === 'folder' ? r.count : 0), 0)).toBe(3000);
    expect(rows.filter((r) => r.kind === 'profile')).toHaveLength(3000);
    for (let i = 1; i < rows.length; i++) {
      const [a, b] = [rows[i - 1], rows[i]];
      if (a?.kind === 'profile' && b?.kind === 'profile' && a.folder === b.folder) expect(a.profile.name < b.profile.name).toBe(true);
    }
    const hits = buildTree(many, [], 'db-0042', NONE);
    expect(show(hits)).toEqual([expect.stringMatching(/^\[F\d\] 1$/), '  db-0042']);
  });
});
