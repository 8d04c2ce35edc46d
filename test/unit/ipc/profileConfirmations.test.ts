// profiles.save over the router with a real profile store: a confirmation stored for one host (or
// sslmode) is not silently kept when the renderer sends it back with another host.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { profileHandlers } from '../../../electron/ipc/handlers/profiles.js';
import { createRouter, type Handlers, type Router } from '../../../electron/ipc/router.js';
import type { ProfilesService } from '../../../electron/ipc/services.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import type { Profile } from '../../../shared/profile.js';
import { TRUSTED } from './fixtures.js';

let dir: string;
let store: ProfileStore;
let router: Router;

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
  router = createRouter(profileHandlers({ profiles: service(store) }) as unknown as Handlers, { validateOutput: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function save(profile: Record<string, unknown>, id?: string): Promise<{ ok: true; profile: Profile } | { ok: false; code: string; message: string }> {
  const r = await router.dispatch('profiles.save', { ...(id ? { id } : {}), profile }, TRUSTED);
  return r.ok ? { ok: true, profile: (r.value as { profile: Profile }).profile } : { ok: false, code: r.error.code, message: r.error.message };
}

const base = { name: 'Lab', username: 'db-admins' };

describe('profiles.save keeps a confirmation only for what the person saw', () => {
  it('a non-Azure confirmation carried over to a new host is dropped: refused, naming the new host; the same save again re-confirms', async () => {
    const created = await save({ ...base, host: 'pg.lab.example', confirmations: { nonAzureHost: true } });
    if (!created.ok) throw new Error(created.message);
    const id = created.profile.id;

    // The renderer sends the old confirmation along with another host.
    const moved = await save({ ...base, host: 'evil.example.net', confirmations: { nonAzureHost: true } }, id);
    expect(moved).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(!moved.ok && moved.message).toMatch(/evil\.example\.net/);
    expect((await store.get(id)).host).toBe('pg.lab.example');

    // Saving exactly that host again after the refusal that named it is the re-confirmation.
    const again = await save({ ...base, host: 'evil.example.net', confirmations: { nonAzureHost: true } }, id);
    expect(again).toMatchObject({ ok: true, profile: { host: 'evil.example.net', confirmations: { nonAzureHost: true } } });

    // A refusal for one host does not cover another.
    expect(await save({ ...base, host: 'third.example.org', confirmations: { nonAzureHost: true } }, id)).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(await save({ ...base, host: 'fourth.example.org', confirmations: { nonAzureHost: true } }, id)).toMatchObject({ ok: false, code: 'confirmation_required' });

    // Moving to an Azure host drops the now pointless confirmation rather than keeping it for later.
    const azure = await save({ ...base, host: 'prod.postgres.database.azure.com', confirmations: { nonAzureHost: true } }, id);
    expect(azure).toMatchObject({ ok: true, profile: { confirmations: {} } });

    // A confirmation the stored profile did not have was given in this edit: kept at once.
    const fresh = await save({ ...base, host: 'pg2.lab.example', confirmations: { nonAzureHost: true } }, id);
    expect(fresh).toMatchObject({ ok: true, profile: { host: 'pg2.lab.example', confirmations: { nonAzureHost: true } } });

    // Unchanged host: the confirmation stays, other edits are fine.
    const renamed = await save({ ...base, name: 'Lab 2', host: 'pg2.lab.example', confirmations: { nonAzureHost: true } }, id);
    expect(renamed).toMatchObject({ ok: true, profile: { name: 'Lab 2', confirmations: { nonAzureHost: true } } });
  });

  it('a cloud change drops the non-Azure confirmation; an sslmode change drops the weaker-TLS one', async () => {
    const created = await save({ ...base, host: 'pg.lab.example', sslmode: 'require', confirmations: { nonAzureHost: true, weakerTls: true } });
    if (!created.ok) throw new Error(created.message);
    const id = created.profile.id;
    const tls = await save({ ...base, host: 'pg.lab.example', sslmode: 'verify-ca', confirmations: { nonAzureHost: true, weakerTls: true } }, id);
    expect(tls).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(!tls.ok && tls.message).toMatch(/verify-ca/);
    expect((await store.get(id)).sslmode).toBe('require');
    const cloud = await save({ ...base, host: 'pg.lab.example', sslmode: 'require', cloud: 'usgov', confirmations: { nonAzureHost: true, weakerTls: true } }, id);
    expect(cloud).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect((await store.get(id)).cloud).toBe('public');
  });
});
