// The profile store: profiles.json in the data dir, shared by the app and the CLI. Every change is
// a read-modify-write under a cross-process lock, written atomically, so concurrent editors lose
// nothing and a crash leaves the old or the new file. Reads are lock-free (renames are atomic)
// and cached by the file's inode/size/mtime. Plain Node: no Electron import, the CLI uses it too.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { PgEntraError } from '../../shared/errors.js';
import { type Profile, type ProfileInput, type ProfilePatch, applyProfilePatch, profileErrorsToError, profileNameKey, validateProfile, validateProfileInput } from '../../shared/profile.js';
import { ensurePrivateDir, removeLeftoverTemps, writeFileAtomic } from '../base/atomicFile.js';
import { type CustomCloudDomains, type DomainsFor, domainsForAll, resolveDomains } from './cloudDomains.js';
import { buildExport, parseExchange } from './exchange.js';
import { acquireFileLock } from '../base/lock.js';
import { CURRENT_SCHEMA_VERSION } from './migrations.js';
import { type InvalidEntry, type ReadOutcome, STORE_FILE_NAME, backupBeforeMigration, moveAside, readStoreFile, serializeStore } from './storeFile.js';
import { type ImportOptions, type ImportResult, mergeImport, uniqueName } from './profileImport.js';

export type { InvalidEntry } from './storeFile.js';
export type { ImportConflictMode, ImportOptions, ImportResult } from './profileImport.js';

export interface ProfileStoreOptions {
  /** PGENTRA_HOME or the OS app-data folder; created 0700 if missing. */
  dataDir: string;
  /** Wait at most this long for another process's save (default 5 s) before `store_locked`. */
  lockTimeoutMs?: number;
  /** A lock older than this is taken over even if its pid is alive (default 60 s). */
  staleLockMs?: number;
  /** `postgresDomains` of a custom cloud file; without it custom-cloud hosts need the non-Azure confirmation. */
  customCloudDomains?: CustomCloudDomains;
  now?: () => Date;
}

export type ProfileChange =
  | { type: 'created' | 'updated' | 'removed' | 'restored' | 'moved' | 'duplicated'; profile: Profile }
  | { type: 'imported'; ids: string[] }
  /** Another process (the CLI, a second window) changed the file; call list() again. */
  | { type: 'external' };
export type ProfileChangeListener = (change: ProfileChange) => void;

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

function errorDetail(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
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
    return buildExport(
      [...new Set(ids)].map((id) => byId.get(id) as Profile),
      this.now(),
    );
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
   * with a free name; replace: overwrite the existing one, keeping its id (profileImport.ts).
   */
  async importProfiles(json: string | unknown, opts: ImportOptions): Promise<ImportResult> {
    const entries = parseExchange(json);
    // Resolve custom-cloud domains outside the lock: it may read files.
    const domainsByEntry = await Promise.all(entries.map((e) => resolveDomains(e, this.opts.customCloudDomains)));
    return this.mutate((state) => {
      const { profiles, result } = mergeImport(state.profiles, entries, domainsByEntry, opts, () => this.now());
      const changed = result.created.length + result.replaced.length > 0;
      return {
        profiles,
        result,
        change: { type: 'imported', ids: [...result.created, ...result.replaced].map((p) => p.id) },
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
    // Queued behind our own operations: a check between a save's write and its cache refresh
    // would take our own save for someone else's.
    const check = (): Promise<void> =>
      this.serialized(async () => {
        const before = this.cache?.signature;
        try {
          await this.read();
        } catch {
          // An unreadable or corrupt file is reported to whoever reads next; still tell the UI to refresh.
        }
        if (this.cache?.signature !== before) this.emit({ type: 'external' });
      });
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
    fn: (state: { profiles: readonly Profile[]; domains: DomainsFor }) => {
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
        const domains = await domainsForAll([domainSource, ...loaded.profiles], this.opts.customCloudDomains);
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
