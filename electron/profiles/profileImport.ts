// Merging imported profiles into the saved ones: each entry validated as new input (its id and
// timestamps dropped, its confirmations only when the importer trusts them), duplicates found by
// host+port+username+database or by name, and the skip / rename / replace rules. Pure: the store
// reads, locks and writes around it.
import { type Profile, type ProfileFieldError, PROFILE_LIMITS, profileConnectionKey, profileNameKey, validateProfileInput } from '../../shared/profile.js';

export type ImportConflictMode = 'skip' | 'rename' | 'replace';
export interface ImportOptions {
  onConflict: ImportConflictMode;
  /**
   * Keep the file's nonAzureHost/weakerTls confirmations. Off by default: a confirmation is the
   * importing person's consent, not something a file from elsewhere can grant. Entries that need
   * one are reported in `invalid` with code `confirmation_required`.
   */
  trustConfirmations?: boolean;
}
export interface ImportResult {
  created: Profile[];
  replaced: Profile[];
  skipped: { index: number; name: string; reason: string; existingId: string }[];
  renamed: { index: number; from: string; to: string }[];
  invalid: { index: number; name?: string; errors: ProfileFieldError[] }[];
}

/** "Base (copy)", "Base (copy 2)", … — the first free one, truncated to fit the name limit. */
export function uniqueName(base: string, word: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ` (${word})` : ` (${word} ${n})`;
    const name = base.slice(0, PROFILE_LIMITS.name - suffix.length).trimEnd() + suffix;
    if (!taken.has(profileNameKey(name))) return name;
  }
}

/**
 * The saved profiles with the raw `entries` merged in, and what happened to each entry.
 * `domainsByEntry[i]`: the custom cloud's postgresDomains for entry i, resolved beforehand.
 */
export function mergeImport(
  saved: readonly Profile[],
  entries: readonly unknown[],
  domainsByEntry: readonly (readonly string[] | undefined)[],
  opts: ImportOptions,
  now: () => Date,
): { profiles: Profile[]; result: ImportResult } {
  const res: ImportResult = { created: [], replaced: [], skipped: [], renamed: [], invalid: [] };
  let profiles = [...saved];
  entries.forEach((entry, index) => {
    const rec = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
    const rawName = typeof rec?.name === 'string' ? rec.name : undefined;
    if (!rec) {
      res.invalid.push({ index, errors: [{ path: '', message: 'Profile: must be an object', code: 'invalid_input' }] });
      return;
    }
    const { id: _id, createdAt: _c, updatedAt: _u, confirmations, ...input } = rec;
    const candidate = opts.trustConfirmations && confirmations !== undefined ? { ...input, confirmations } : input;
    const v = validateProfileInput(candidate, { now: now(), ...(domainsByEntry[index] ? { customDomains: domainsByEntry[index] } : {}) });
    if (!v.ok) {
      res.invalid.push({ index, ...(rawName ? { name: rawName } : {}), errors: v.errors });
      return;
    }
    let p = v.profile;
    const names = new Set(profiles.map((x) => profileNameKey(x.name)));
    const byConn = profiles.find((x) => profileConnectionKey(x) === profileConnectionKey(p));
    const byName = profiles.find((x) => profileNameKey(x.name) === profileNameKey(p.name));
    const existing = byConn ?? byName;
    if (existing && opts.onConflict === 'skip') {
      const reason = byConn ? `same server, port, database and username as "${byConn.name}"` : `the name is used by "${existing.name}"`;
      res.skipped.push({ index, name: p.name, reason, existingId: existing.id });
      return;
    }
    if (existing && opts.onConflict === 'replace') {
      // The replacement's name may clash with a third profile: give it a free one then.
      const others = new Set(profiles.filter((x) => x.id !== existing.id).map((x) => profileNameKey(x.name)));
      if (others.has(profileNameKey(p.name))) {
        const to = uniqueName(p.name, 'imported', others);
        res.renamed.push({ index, from: p.name, to });
        p = { ...p, name: to };
      }
      p = { ...p, id: existing.id, createdAt: existing.createdAt };
      profiles = profiles.map((x) => (x.id === existing.id ? p : x));
      res.replaced.push(p);
      return;
    }
    if (byName) {
      const to = uniqueName(p.name, 'imported', names);
      res.renamed.push({ index, from: p.name, to });
      p = { ...p, name: to };
    }
    profiles.push(p);
    res.created.push(p);
  });
  return { profiles, result: res };
}
