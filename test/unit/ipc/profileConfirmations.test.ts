// profiles.save over the router with a real profile store (issue 23): the renderer's
// `confirmations` are ignored; a non-Azure host or weaker TLS is confirmed in the main process's
// dialog (a stand-in here) showing the exact host, port and mode, and a confirmation stays only
// while those values stay.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { profileHandlers } from '../../../electron/ipc/handlers/profiles.js';
import { createRouter, type Handlers, type Router } from '../../../electron/ipc/router.js';
import type { ProfilesService, TokenTargetDecision } from '../../../electron/ipc/services.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import type { Profile } from '../../../shared/profile.js';
import { TRUSTED } from './fixtures.js';

let dir: string;
let store: ProfileStore;
let router: Router;
/** The main process's dialog stand-in: what it showed, answered with `answer`. */
let dialogs: TokenTargetDecision[];
let answer: boolean;

function service(st: ProfileStore): ProfilesService {
  return {
    list: () => st.list(),
    get: (id) => st.get(id),
    create: (i) => st.create(i),
    update: (id, i) => st.update(id, i),
    remove: (id) => st.remove(id),
    restore: (p) => st.restore(p),
    duplicate: (id) => st.duplicate(id),
    move: (id, f) => st.move(id, f),
    validate: () => ({ ok: false, errors: [] }),
  };
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-ipc-confirm-'));
  store = new ProfileStore({ dataDir: dir });
  // Only the profile calls are wired; the router is built with them as the whole handler set.
  dialogs = [];
  answer = false;
  router = createRouter(profileHandlers({ profiles: service(store), confirmDecision: async (d) => (dialogs.push(d), answer) }) as unknown as Handlers, { validateOutput: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function save(profile: Record<string, unknown>, id?: string): Promise<{ ok: true; profile: Profile } | { ok: false; code: string; message: string }> {
  const r = await router.dispatch('profiles.save', { ...(id ? { id } : {}), profile }, TRUSTED);
  return r.ok ? { ok: true, profile: (r.value as { profile: Profile }).profile } : { ok: false, code: r.error.code, message: r.error.message };
}

const base = { name: 'Lab', username: 'db-admins' };

describe('profiles.save: only the main process confirms a non-Azure host or weaker TLS', () => {
  it('a (compromised) renderer sending confirmations for a non-Azure host over sslmode=require saves nothing unless the dialog said yes, and the dialog showed the exact host, port and mode', async () => {
    const evil = { ...base, host: 'Evil.Example.net', port: 6432, sslmode: 'require', confirmations: { nonAzureHost: true, weakerTls: true } };
    const refused = await save(evil);
    expect(refused).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(!refused.ok && refused.message).toMatch(/evil\.example\.net:6432 was not confirmed/);
    expect(dialogs).toEqual([{ kind: 'non-azure-host', profileName: 'Lab', host: 'evil.example.net', port: 6432, cloud: 'public', domains: ['.postgres.database.azure.com'] }]);
    expect(await store.list()).toEqual([]);

    // The host confirmed, TLS declined: still nothing saved, and the TLS dialog named host, port and mode.
    dialogs.length = 0;
    let n = 0;
    router = createRouter(profileHandlers({ profiles: service(store), confirmDecision: async (d) => (dialogs.push(d), n++ === 0) }) as unknown as Handlers, { validateOutput: true });
    expect(await save(evil)).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(dialogs[1]).toEqual({ kind: 'weaker-tls', profileName: 'Lab', host: 'evil.example.net', port: 6432, sslmode: 'require' });
    expect(await store.list()).toEqual([]);

    answer = true;
    router = createRouter(profileHandlers({ profiles: service(store), confirmDecision: async (d) => (dialogs.push(d), answer) }) as unknown as Handlers, { validateOutput: true });
    const saved = await save(evil);
    expect(saved).toMatchObject({ ok: true, profile: { host: 'evil.example.net', port: 6432, sslmode: 'require', confirmations: { nonAzureHost: true, weakerTls: true } } });
  });

  it('without any dialog (no Electron shell) such a save is refused', async () => {
    router = createRouter(profileHandlers({ profiles: service(store) }) as unknown as Handlers, { validateOutput: true });
    expect(await save({ ...base, host: 'pg.lab.example', confirmations: { nonAzureHost: true } })).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(await store.list()).toEqual([]);
  });

  it('a confirmation is bound to host, port and cloud (and sslmode): another value asks again; unchanged values do not', async () => {
    answer = true;
    const created = await save({ ...base, host: 'pg.lab.example', sslmode: 'require' });
    if (!created.ok) throw new Error(created.message);
    const id = created.profile.id;
    expect(dialogs.map((d) => d.kind)).toEqual(['non-azure-host', 'weaker-tls']);

    // Other edits keep both confirmations without asking (the renderer need not send them).
    dialogs.length = 0;
    expect(await save({ ...base, name: 'Lab 2', host: 'pg.lab.example', sslmode: 'require' }, id)).toMatchObject({ ok: true, profile: { confirmations: { nonAzureHost: true, weakerTls: true } } });
    expect(dialogs).toEqual([]);

    // Another port, host, cloud or mode: asked again (declined here → the stored profile is unchanged).
    answer = false;
    for (const change of [{ port: 6543 }, { host: 'other.example.org' }, { cloud: 'usgov' }, { sslmode: 'verify-ca' }]) {
      dialogs.length = 0;
      const r = await save({ ...base, name: 'Lab 2', host: 'pg.lab.example', sslmode: 'require', confirmations: { nonAzureHost: true, weakerTls: true }, ...change }, id);
      expect(r).toMatchObject({ ok: false, code: 'confirmation_required' });
      expect(dialogs.length).toBeGreaterThan(0);
      expect(await store.get(id)).toMatchObject({ host: 'pg.lab.example', port: 5432, cloud: 'public', sslmode: 'require' });
    }
    expect(dialogs.at(-1)).toEqual({ kind: 'weaker-tls', profileName: 'Lab 2', host: 'pg.lab.example', port: 5432, sslmode: 'verify-ca' });

    // Moving to an Azure host over verify-full needs no confirmation, and drops the stale ones.
    dialogs.length = 0;
    expect(await save({ ...base, host: 'prod.postgres.database.azure.com', confirmations: { nonAzureHost: true, weakerTls: true } }, id)).toMatchObject({ ok: true, profile: { confirmations: {} } });
    expect(dialogs).toEqual([]);
  });

  it('profiles.restore keeps only the confirmations of the profile this process deleted, for the same values', async () => {
    answer = true;
    const created = await save({ ...base, host: 'pg.lab.example' });
    if (!created.ok) throw new Error(created.message);
    const del = await router.dispatch('profiles.delete', { id: created.profile.id }, TRUSTED);
    expect(del.ok).toBe(true);
    // A renderer restoring the deleted profile with another host keeps no confirmation: refused.
    const forged = await router.dispatch('profiles.restore', { profile: { ...created.profile, host: 'evil.example.net' } }, TRUSTED);
    expect(!forged.ok && forged.error.code).toBe('confirmation_required');
    // A profile never deleted here, with forged confirmations: refused too.
    const other = { ...created.profile, id: '11111111-1111-4111-8111-111111111111', name: 'Other' };
    const never = await router.dispatch('profiles.restore', { profile: other }, TRUSTED);
    expect(!never.ok && never.error.code).toBe('confirmation_required');
    // The real undo restores it as it was.
    const undo = await router.dispatch('profiles.restore', { profile: created.profile }, TRUSTED);
    expect(undo).toMatchObject({ ok: true, value: { profile: { host: 'pg.lab.example', confirmations: { nonAzureHost: true } } } });
  });
});
