// Issue #11: the desktop app's pgAdmin import confirms each host outside the cloud's PostgreSQL
// domains separately. First pass: such hosts → nothing stored, the hosts returned for the
// per-host dialog. Second pass: only the confirmed hosts are imported. And through the router:
// the renderer's per-host list reaches the service unchanged.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services } from '../../../electron/ipc/services.js';
import { importPgAdminJson } from '../../../electron/interop/pgadminService.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import { TRUSTED } from '../ipc/fixtures.js';

const server = (name: string, host: string) => ({ Name: name, Group: 'Lab', Host: host, Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' });
const FILE = JSON.stringify({ Servers: { '1': server('azure', 'x.postgres.database.azure.com'), '2': server('lab', 'pg.lab.example'), '3': server('evil', 'evil.example') } });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-appimport-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('app import: per-host confirmation', () => {
  it('first pass stores nothing and lists each non-Azure host; the second imports only the confirmed ones', async () => {
    const store = openProfileStore(dir);
    const first = await importPgAdminJson(store, FILE, { cloud: 'public', allowWeakerTls: false, onConflict: 'skip', confirmHostsFirst: true });
    expect(first.plan.unconfirmedHosts).toEqual(['pg.lab.example', 'evil.example']);
    expect(first.result.created).toEqual([]);
    expect(await store.list()).toEqual([]);

    const second = await importPgAdminJson(store, FILE, { cloud: 'public', allowWeakerTls: false, onConflict: 'skip', allowedHosts: ['pg.lab.example'] });
    expect(second.result.created.map((p) => p.host).sort()).toEqual(['pg.lab.example', 'x.postgres.database.azure.com']);
    expect(second.plan.rejected.map((r) => r.name)).toEqual(['evil']);
    expect((await store.list()).find((p) => p.host === 'pg.lab.example')?.confirmations).toMatchObject({ nonAzureHost: true });
  });

  it('a file with only Azure hosts imports in one pass', async () => {
    const store = openProfileStore(dir);
    const only = JSON.stringify({ Servers: { '1': server('azure', 'x.postgres.database.azure.com') } });
    const r = await importPgAdminJson(store, only, { cloud: 'public', allowWeakerTls: false, onConflict: 'skip', confirmHostsFirst: true });
    expect(r.plan.unconfirmedHosts).toEqual([]);
    expect(r.result.created).toHaveLength(1);
  });

  it('interop.importPgAdmin passes the per-host list through the router (absent = ask first)', async () => {
    const seen: unknown[] = [];
    const services = {
      interop: {
        exportPgAdmin: async () => ({ json: '{}', count: 0 }),
        importPgAdmin: async (_json: string, _conflict: string, allowedHosts?: string[]) => {
          seen.push(allowedHosts);
          return { imported: [], skipped: [], notes: [], hostsToConfirm: allowedHosts ? [] : ['pg.lab.example'] };
        },
      },
    } as unknown as Services;
    const router = createRouter(createHandlers(services), { validateOutput: true });
    expect(await router.dispatch('interop.importPgAdmin', { json: FILE }, TRUSTED)).toEqual({ ok: true, value: { imported: [], skipped: [], notes: [], hostsToConfirm: ['pg.lab.example'] } });
    expect((await router.dispatch('interop.importPgAdmin', { json: FILE, allowedHosts: ['pg.lab.example'] }, TRUSTED)).ok).toBe(true);
    expect(seen).toEqual([undefined, ['pg.lab.example']]);
    expect((await router.dispatch('interop.importPgAdmin', { json: FILE, allowedHosts: [''] }, TRUSTED)).ok).toBe(false);
  });
});
