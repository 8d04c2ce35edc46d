// The profile store: profiles.json in the data dir, shared by the app and the CLI. Every change is
// a read-modify-write under a cross-process lock, written atomically, so concurrent editors lose
// nothing and a crash leaves the old or the new file. Reads are lock-free (renames are atomic)
// and cached by the file's inode/size/mtime. Plain Node: no Electron import, the CLI uses it too.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import {
  type Profile,
  type ProfileFieldError,
  type ProfileInput,
  type ProfilePatch,
  PROFILE_LIMITS,
  applyProfilePatch,
  profileConnectionKey,
  profileErrorsToError,
  profileNameKey,
  validateProfile,
  validateProfileInput,
} from '../../shared/profile.js';
import { ensurePrivateDir, removeLeftoverTemps, writeFileAtomic } from '../base/atomicFile.js';
import { buildExport, parseExchange } from './exchange.js';
import { acquireFileLock } from '../base/lock.js';
import { CURRENT_SCHEMA_VERSION } from './migrations.js';
import {
  type InvalidEntry,
  type ReadOutcome,
  STORE_FILE_NAME,
  backupBeforeMigration,
  moveAside,
  readStoreFile,
  serializeStore,
} from './storeFile.js';

export type { InvalidEntry } from './storeFile.js';

export interface ProfileStoreOptions {
  /** PGENTRA_HOME or the OS app-data folder; created 0700 if missing. */
  dataDir: string;
  /** Wait at most this long for another process's save (default 5 s) before `store_locked`. */
  lockTimeoutMs?: number;
  /** A lock older than this is taken over even if its pid is alive (default 60 s). */
  staleLockMs?: number;
  /** `postgresDomains` of a custom cloud file; without it custom-cloud hosts need the non-Azure confirmation. */
  customCloudDomains?: (customFile: string) => readonly string[] | undefined | Promise<readonly string[] | undefined>;
  now?: () => Date;
}

export type ProfileChange =
  | { type: 'created' | 'updated' | 'removed' | 'restored' | 'moved' | 'duplicated'; profile: Profile }
  | { type: 'imported'; ids: string[] }
  /** Another process (the CLI, a second window) changed the file; call list() again. */
  | { type: 'external' };
export type ProfileChangeListener = (change: ProfileChange) => void;

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

export interface StoreSnapshot {
  profiles: Profile[];
  /** Entries in the file that failed validation: kept in the file, shown to the user to fix. */
  invalid: InvalidEntry[];
}

interface Loaded {
  profiles: readonly Profile[];
  invalid: readonly InvalidEntry[];
  fromVersion: number;
  exists: boolean;
}

function customFileOf(src: unknown): string | undefined {
  if (!src || typeof src !== 'object') return undefined;
  const cloud = (src as { cloud?: unknown }).cloud;
  if (!cloud || typeof cloud !== 'object') return undefined;
  const f = (cloud as { customFile?: unknown }).customFile;
  return typeof f === 'string' ? f : undefined;
}

function errorDetail(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** "Base (copy)", "Base (copy 2)", … — the first free one, truncated to fit the name limit. */
function uniqueName(base: string, word: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ` (${word})` : ` (${word} ${n})`;
    const name = base.slice(0, PROFILE_LIMITS.name - suffix.length).trimEnd() + suffix;
    if (!taken.has(profileNameKey(name))) return name;
  }
}

export class ProfileStore {
  readonly dataDir: string;
  readonly file: string;
  readonly lockFile: string;
  private readonly opts: ProfileStoreOptions;
  private cache: { signature: string; outcome: ReadOutcome } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<ProfileChangeListener>();
  private dirReady = false;

  constructor(opts: ProfileStoreOptions) {
    this.opts = opts;
    this.dataDir = path.resolve(opts.dataDir);
    this.file = path.join(this.dataDir, STORE_FILE_NAME);
    this.lockFile = `${this.file}.lock`;
  }

  // ------------------------------------------------------------------------------- reading

  async list(): Promise<Profile[]> {
    return [...(await this.load()).profiles];
  }

  async snapshot(): Promise<StoreSnapshot> {
    const l = await this.load();
    return { profiles: [...l.profiles], invalid: [...l.invalid] };
  }

  /** By id, else by name (case-insensitive). */
  async find(idOrName: string): Promise<Profile | undefined> {
    const { profiles } = await this.load();
    return profiles.find((p) => p.id === idOrName) ?? profiles.find((p) => profileNameKey(p.name) === profileNameKey(idOrName));
  }

  async get(idOrName: string): Promise<Profile> {
    const p = await this.find(idOrName);
    if (!p) throw new PgEntraError('not_found', `No server profile named or with id "${idOrName}".`, { hint: 'List profiles to see the saved names.' });
    return p;
  }

  async exportProfiles(ids?: readonly string[]): Promise<string> {
    const { profiles } = await this.load();
    if (!ids) return buildExport(profiles, this.now());
    const byId = new Map(profiles.map((p) => [p.id, p]));
    const missing = ids.filter((id) => !byId.has(id));
    if (missing.length) throw new PgEntraError('not_found', `No server profile with id ${missing.join(', ')}.`);
    return buildExport([...new Set(ids)].map((id) => byId.get(id) as Profile), this.now());
  }

  // ------------------------------------------------------------------------------- writing

  async create(input: ProfileInput): Promise<Profile> {
    return this.mutate((state) => {
      const profile = this.ensureValid(validateProfileInput(input, { now: this.now(), ...state.domains(input) }));
      this.assertNameFree(state.profiles, profile.name);
      return { profiles: [...state.profiles, profile], result: profile, change: { type: 'created', profile } };
    }, input);
  }

  async update(id: string, patch: ProfilePatch): Promise<Profile> {
    return this.mutate((state) => {
      const existing = this.mustFind(state.profiles, id);
      const merged = applyProfilePatch(existing, patch);
      const profile = this.ensureValid(validateProfileInput(merged, { id: existing.id, createdAt: existing.createdAt, now: this.now(), ...state.domains(merged) }));
      this.assertNameFree(state.profiles, profile.name, id);
      return { profiles: state.profiles.map((p) => (p.id === id ? profile : p)), result: profile, change: { type: 'updated', profile } };
    }, patch);
  }

  async move(id: string, folder: string): Promise<Profile> {
    return this.mutate((state) => {
      const existing = this.mustFind(state.profiles, id);
      const profile = this.ensureValid(validateProfileInput(applyProfilePatch(existing, { folder }), { id, createdAt: existing.createdAt, now: this.now(), ...state.domains(existing) }));
      return { profiles: state.profiles.map((p) => (p.id === id ? profile : p)), result: profile, change: { type: 'moved', profile } };
    });
  }

  async duplicate(id: string): Promise<Profile> {
    return this.mutate((state) => {
      const existing = this.mustFind(state.profiles, id);
      const { id: _id, createdAt: _c, updatedAt: _u, ...input } = existing;
      const name = uniqueName(existing.name, 'copy', new Set(state.profiles.map((p) => profileNameKey(p.name))));
      const profile = this.ensureValid(validateProfileInput({ ...input, name }, { now: this.now(), ...state.domains(existing) }));
      const at = state.profiles.indexOf(existing) + 1;
      return { profiles: [...state.profiles.slice(0, at), profile, ...state.profiles.slice(at)], result: profile, change: { type: 'duplicated', profile } };
    });
  }

  /** Returns the removed profile so the UI can offer Undo via `restore`. */
  async remove(id: string): Promise<Profile> {
    return this.mutate((state) => {
      const existing = this.mustFind(state.profiles, id);
      return { profiles: state.profiles.filter((p) => p.id !== id), result: existing, change: { type: 'removed', profile: existing } };
    });
  }

  /** Puts back a removed profile with its id and timestamps. */
  async restore(profile: Profile): Promise<Profile> {
    return this.mutate((state) => {
      const r = validateProfile(profile, state.domains(profile));
      const restored = this.ensureValid(r);
      if (state.profiles.some((p) => p.id === restored.id)) throw new PgEntraError('conflict', `A profile with id ${restored.id} already exists; it was not removed or was restored already.`);
      this.assertNameFree(state.profiles, restored.name);
      return { profiles: [...state.profiles, restored], result: restored, change: { type: 'restored', profile: restored } };
    }, profile);
  }

  /**
   * Imports a pgEntra export (or a copied profiles.json). Duplicates are found by
   * host+port+username+database or by name. skip: keep the existing one; rename: import alongside
   * with a free name; replace: overwrite the existing one, keeping its id.
   */
  async importProfiles(json: string | unknown, opts: ImportOptions): Promise<ImportResult> {
    const entries = parseExchange(json);
    // Resolve custom-cloud domains outside the lock: it may read files.
    const domainsByEntry = await Promise.all(entries.map((e) => this.resolveDomains(e)));
    return this.mutate((state) => {
      const res: ImportResult = { created: [], replaced: [], skipped: [], renamed: [], invalid: [] };
      let profiles = [...state.profiles];
      entries.forEach((entry, index) => {
        const rec = entry && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined;
        const rawName = typeof rec?.name === 'string' ? rec.name : undefined;
        if (!rec) {
          res.invalid.push({ index, errors: [{ path: '', message: 'Profile: must be an object', code: 'invalid_input' }] });
          return;
        }
        const { id: _id, createdAt: _c, updatedAt: _u, confirmations, ...input } = rec;
        const candidate = opts.trustConfirmations && confirmations !== undefined ? { ...input, confirmations } : input;
        const v = validateProfileInput(candidate, { now: this.now(), ...(domainsByEntry[index] ? { customDomains: domainsByEntry[index] } : {}) });
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
      const changed = res.created.length + res.replaced.length > 0;
      return {
        profiles,
        result: res,
        change: { type: 'imported', ids: [...res.created, ...res.replaced].map((p) => p.id) },
        skipWrite: !changed,
      };
    });
  }

  // ------------------------------------------------------------------------------- events

  subscribe(listener: ProfileChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Watches the data dir for saves by other processes and emits `external`. Returns a stop
   * function. fs.watch can coalesce or repeat events; the signature check filters our own saves.
   */
  watchExternalChanges(debounceMs = 100): () => void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let watcher: FSWatcher | undefined;
    const check = async (): Promise<void> => {
      const before = this.cache?.signature;
      try {
        await this.load();
      } catch {
        // A corrupt file is reported to whoever reads next; still tell the UI to refresh.
      }
      if (this.cache?.signature !== before) this.emit({ type: 'external' });
    };
    try {
      watcher = watch(this.dataDir, { persistent: false }, (_event, filename) => {
        if (filename !== null && filename !== STORE_FILE_NAME) return;
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void check(), debounceMs);
      });
    } catch {
      return () => undefined; // dir missing or watching unsupported: the UI still refreshes on its own changes
    }
    return () => {
      if (timer) clearTimeout(timer);
      watcher?.close();
    };
  }

  // ------------------------------------------------------------------------------- internals

  private now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  private emit(change: ProfileChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (e) {
        console.error('profile change listener failed:', errorDetail(e));
      }
    }
  }

  private async resolveDomains(input: unknown): Promise<readonly string[] | undefined> {
    const cloud = input && typeof input === 'object' ? (input as { cloud?: unknown }).cloud : undefined;
    if (!cloud || typeof cloud !== 'object' || !this.opts.customCloudDomains) return undefined;
    const file = (cloud as { customFile?: unknown }).customFile;
    return typeof file === 'string' ? await this.opts.customCloudDomains(file) : undefined;
  }

  private ensureValid(r: ReturnType<typeof validateProfileInput>): Profile {
    if (!r.ok) throw profileErrorsToError(r.errors);
    return r.profile;
  }

  private mustFind(profiles: readonly Profile[], id: string): Profile {
    const p = profiles.find((x) => x.id === id);
    if (!p) throw new PgEntraError('not_found', `No server profile with id ${id}; it may have been deleted in another window.`);
    return p;
  }

  private assertNameFree(profiles: readonly Profile[], name: string, exceptId?: string): void {
    const clash = profiles.find((p) => p.id !== exceptId && profileNameKey(p.name) === profileNameKey(name));
    if (clash) {
      throw new PgEntraError('conflict', `A server profile named "${clash.name}" already exists; names are unique regardless of case.`, {
        details: { field: 'name', existingId: clash.id },
      });
    }
  }

  private async ensureDir(): Promise<void> {
    if (this.dirReady) return;
    try {
      await ensurePrivateDir(this.dataDir);
    } catch (e) {
      throw new PgEntraError('io_error', `Cannot create the pgEntra data folder ${this.dataDir}: ${errorDetail(e)}`, { cause: e });
    }
    this.dirReady = true;
  }

  private async read(): Promise<ReadOutcome> {
    try {
      const outcome = await readStoreFile(this.file, this.cache);
      if (outcome.kind !== 'missing') this.cache = { signature: outcome.signature, outcome };
      else this.cache = undefined;
      return outcome;
    } catch (e) {
      throw new PgEntraError('io_error', `Cannot read ${this.file}: ${errorDetail(e)}`, { cause: e });
    }
  }

  /** Turns a read outcome into contents, moving a corrupt file aside (caller must hold the lock). */
  private async settle(outcome: ReadOutcome): Promise<Loaded> {
    switch (outcome.kind) {
      case 'missing':
        return { profiles: [], invalid: [], fromVersion: CURRENT_SCHEMA_VERSION, exists: false };
      case 'ok':
        return { ...outcome.contents, exists: true };
      case 'newer':
        // Not corrupt, just newer: leave it alone and refuse to write over it.
        throw new PgEntraError('store_corrupt', outcome.reason, { details: { path: this.file, reason: 'newer_schema' } });
      case 'corrupt': {
        let movedTo: string;
        try {
          movedTo = await moveAside(this.file, 'corrupt', this.now());
        } catch (e) {
          throw new PgEntraError('store_corrupt', `${outcome.reason} It could not be moved aside (${errorDetail(e)}); fix or remove ${this.file}.`, {
            details: { path: this.file },
            cause: e,
          });
        }
        this.cache = undefined;
        throw new PgEntraError('store_corrupt', `${outcome.reason} It was moved to ${movedTo} unchanged, and pgEntra starts with an empty profile list.`, {
          hint: 'Open the moved file to recover profiles, then import them again.',
          details: { path: this.file, movedTo },
        });
      }
    }
  }

  /** Lock-free read; only when the file looks corrupt is the lock taken to move it aside. */
  private async load(): Promise<Loaded> {
    const outcome = await this.read();
    if (outcome.kind !== 'corrupt') return this.settle(outcome);
    return this.serialized(() => this.locked(async () => this.settle(await this.read())));
  }

  /** One operation at a time within this process; the file lock covers other processes. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensureDir();
    const lock = await acquireFileLock(this.lockFile, {
      ...(this.opts.lockTimeoutMs !== undefined ? { timeoutMs: this.opts.lockTimeoutMs } : {}),
      ...(this.opts.staleLockMs !== undefined ? { staleMs: this.opts.staleLockMs } : {}),
    }).catch((e: unknown) => {
      if (e instanceof PgEntraError) throw e;
      throw new PgEntraError('io_error', `Cannot lock the profile store in ${this.dataDir}: ${errorDetail(e)}`, { cause: e });
    });
    try {
      return await fn();
    } finally {
      await lock.release();
    }
  }

  private mutate<T>(
    fn: (state: { profiles: readonly Profile[]; domains: (p: unknown) => { customDomains?: readonly string[] } }) => {
      profiles: readonly Profile[];
      result: T;
      change: ProfileChange;
      skipWrite?: boolean;
    },
    domainSource?: unknown,
  ): Promise<T> {
    return this.serialized(async () =>
      this.locked(async () => {
        const loaded = await this.settle(await this.read());
        // Custom-cloud domains for the edited input and every saved profile (normally none).
        const files = new Set<string>();
        for (const src of [domainSource, ...loaded.profiles]) {
          const f = customFileOf(src);
          if (f !== undefined) files.add(f);
        }
        const byFile = new Map<string, readonly string[]>();
        for (const f of files) {
          const d = await this.resolveDomains({ cloud: { customFile: f } });
          if (d) byFile.set(f, d);
        }
        const domains = (src: unknown): { customDomains?: readonly string[] } => {
          const f = customFileOf(src);
          const d = f === undefined ? undefined : byFile.get(f);
          return d ? { customDomains: d } : {};
        };
        const out = fn({ profiles: loaded.profiles, domains });
        if (out.skipWrite) return out.result;
        try {
          if (loaded.exists && loaded.fromVersion < CURRENT_SCHEMA_VERSION) await backupBeforeMigration(this.file, loaded.fromVersion, this.now());
          await removeLeftoverTemps(this.file);
          await writeFileAtomic(this.file, serializeStore(out.profiles, loaded.invalid));
        } catch (e) {
          throw new PgEntraError('io_error', `Cannot save ${this.file}: ${errorDetail(e)}`, { cause: e });
        }
        await this.read(); // refresh the cache with the new signature so our own save is not "external"
        this.emit(out.change);
        return out.result;
      }),
    );
  }
}

