// Issue 23: a compromised renderer cannot widen where a token goes. The desktop app's real services
// (composed as main.ts composes them) driven through the real IPC router as the preload would,
// with stand-ins for the main process's native dialogs: the `confirmations` a renderer sends on
// profiles.save, its "trust this cloud file" tick and its pgAdmin import's `allowedHosts` decide
// nothing — only the main process's dialog, showing the exact host/port/mode or file, does; and
// sessions.open never connects where that dialog did not say yes.
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../electron/base/cloudLoader.js';
import { listTrustedClouds } from '../../../electron/connect/cloudTrust.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter, type Router } from '../../../electron/ipc/router.js';
import { APP_ORIGIN } from '../../../electron/ipc/senderPolicy.js';
import type { TokenTargetDecision } from '../../../electron/ipc/services.js';
import { composeServices, type ComposedServices } from '../../../electron/services.js';
import type { Profile } from '../../../shared/profile.js';

const sender = { frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true };

/** A TCP listener that only counts who connects: where sessions.open would send a token. */
interface Decoy {
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function decoy(): Promise<Decoy> {
  const sockets = new Set<Socket>();
  const d = { port: 0, connections: 0 } as Decoy;
  const server: Server = createServer((s) => {
    d.connections++;
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  d.port = (server.address() as { port: number }).port;
  d.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return d;
}

let home: string;
let composed: ComposedServices;
let router: Router;
/** The main process's dialog stand-in: every decision shown, answered by `answer`. */
let dialogs: TokenTargetDecision[];
let answer: (d: TokenTargetDecision) => boolean | Promise<boolean>;
const decoys: Decoy[] = [];

async function dispatch(channel: string, payload: unknown): Promise<{ ok: true; value: unknown } | { ok: false; code: string; message: string }> {
  const r = await router.dispatch(channel, payload, sender);
  return r.ok ? { ok: true, value: r.value } : { ok: false, code: r.error.code, message: r.error.message };
}

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'pgentra-confirm-'));
  dialogs = [];
  answer = () => false;
  composed = composeServices({
    dataDir: home,
    logger: silentLogger,
    openSignInPage: async () => false,
    appInfo: () => ({ name: 'pgEntra', version: 'test', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: home }),
    events: () => undefined,
    confirmDecision: async (d) => {
      dialogs.push(d);
      return answer(d);
    },
  });
  router = createRouter(createHandlers(composed.services), { validateOutput: true });
});

afterEach(async () => {
  await composed.dispose();
  for (const d of decoys.splice(0)) await d.close();
  rmSync(home, { recursive: true, force: true });
});

const lab = (port: number): Record<string, unknown> => ({
  name: 'Lab',
  host: '127.0.0.1',
  port,
  username: 'db-admins',
  sslmode: 'require',
  connectTimeoutSeconds: 5,
  credential: { kind: 'interactive', account: 'alice@contoso.example' },
});

describe('issue 23: host and TLS confirmations come from the main process only', () => {
  it('profiles.save with renderer-made confirmations for a non-Azure host over sslmode=require: nothing is saved and sessions.open sends nothing there unless the dialog said yes', async () => {
    const first = await decoy();
    const second = await decoy();
    decoys.push(first, second);

    // A compromised renderer: both confirmations ticked by itself. The dialog says no.
    const refused = await dispatch('profiles.save', { profile: { ...lab(first.port), confirmations: { nonAzureHost: true, weakerTls: true } } });
    expect(refused).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(dialogs[0]).toEqual({ kind: 'non-azure-host', profileName: 'Lab', host: '127.0.0.1', port: first.port, cloud: 'public', domains: ['.postgres.database.azure.com'] });
    expect(await composed.store.list()).toEqual([]);

    // The person says yes to exactly this host, port and mode: saved, and sessions.open goes there.
    dialogs = [];
    answer = () => true;
    const saved = await dispatch('profiles.save', { profile: lab(first.port) });
    expect(saved.ok).toBe(true);
    expect(dialogs).toEqual([
      { kind: 'non-azure-host', profileName: 'Lab', host: '127.0.0.1', port: first.port, cloud: 'public', domains: ['.postgres.database.azure.com'] },
      { kind: 'weaker-tls', profileName: 'Lab', host: '127.0.0.1', port: first.port, sslmode: 'require' },
    ]);
    const id = (saved.ok && (saved.value as { profile: Profile }).profile.id) || '';

    // The renderer moves the profile to another port with the confirmations it got back: asked
    // again (declined) — the stored profile still points at what the person confirmed.
    dialogs = [];
    answer = () => false;
    const moved = await dispatch('profiles.save', { id, profile: { ...lab(second.port), confirmations: { nonAzureHost: true, weakerTls: true } } });
    expect(moved).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(dialogs).toEqual([{ kind: 'non-azure-host', profileName: 'Lab', host: '127.0.0.1', port: second.port, cloud: 'public', domains: ['.postgres.database.azure.com'] }]);

    const open = await dispatch('sessions.open', { profileId: id });
    expect(open.ok).toBe(false); // the decoy speaks no PostgreSQL
    expect(second.connections).toBe(0);
    expect(first.connections).toBeGreaterThan(0);
  });
});

describe('issue 23: a custom cloud file is trusted as the main process showed it', () => {
  const cloudBody = (domains: string[]): string => JSON.stringify({ authorityHost: 'https://login.sim.example', resource: 'https://ossrdbms-aad.database.windows.net', postgresDomains: domains });
  const profileOn = (file: string): Record<string, unknown> => ({
    name: 'Custom',
    host: 'pg.sim.example',
    username: 'db-admins',
    cloud: { customFile: file },
    credential: { kind: 'interactive', account: 'alice@contoso.example' },
    // The renderer's tick: asks for the dialog, decides nothing.
    confirmations: { customCloud: true },
  });

  it('the dialog shows path, hash, authority and domains of the bytes read; a yes records that hash', async () => {
    const file = path.join(home, 'cloud.json');
    const body = cloudBody(['.sim.example']);
    writeFileSync(file, body, { mode: 0o600 });
    answer = () => false;
    expect(await dispatch('profiles.save', { profile: profileOn(file) })).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(listTrustedClouds(home)).toEqual([]);
    expect(dialogs).toHaveLength(1);
    const shown = dialogs[0];
    expect(shown).toMatchObject({ kind: 'custom-cloud', profileName: 'Custom', file, sha256: sha256Hex(body) });
    const lines = shown?.kind === 'custom-cloud' ? shown.lines.join('\n') : '';
    expect(lines).toContain(file);
    expect(lines).toContain(sha256Hex(body));
    expect(lines).toContain('https://login.sim.example');
    expect(lines).toContain('.sim.example');

    answer = () => true;
    expect((await dispatch('profiles.save', { profile: profileOn(file) })).ok).toBe(true);
    expect(listTrustedClouds(home)).toMatchObject([{ file, sha256: sha256Hex(body) }]);
  });

  it('a file swapped after the dialog read it is refused, saying so, and nothing is trusted', async () => {
    const file = path.join(home, 'cloud.json');
    writeFileSync(file, cloudBody(['.sim.example']), { mode: 0o600 });
    // While the person reads the dialog, someone rewrites the file to send tokens elsewhere.
    answer = () => {
      writeFileSync(file, cloudBody(['.sim.example', '.evil.example']), { mode: 0o600 });
      return true;
    };
    const r = await dispatch('profiles.save', { profile: profileOn(file) });
    expect(r).toMatchObject({ ok: false, code: 'confirmation_required' });
    expect(!r.ok && r.message).toMatch(/changed after pgEntra showed it to you/);
    expect(listTrustedClouds(home)).toEqual([]);
    expect(await composed.store.list()).toEqual([]);
  });
});

describe('issue 23: pgAdmin import hosts are confirmed in the main process, one by one', () => {
  const servers = JSON.stringify({
    Servers: {
      '1': { Name: 'evil', Group: 'Servers', Host: 'evil.example.net', Port: 5432, MaintenanceDB: 'postgres', Username: 'db-admins', SSLMode: 'verify-full' },
      '2': { Name: 'lab', Group: 'Servers', Host: 'lab.example.org', Port: 5432, MaintenanceDB: 'postgres', Username: 'db-admins', SSLMode: 'verify-full' },
      '3': { Name: 'lab pooler', Group: 'Servers', Host: 'lab.example.org', Port: 6432, MaintenanceDB: 'postgres', Username: 'db-admins', SSLMode: 'verify-full' },
    },
  });

  it('allowedHosts from the renderer only asks: a declined host is not imported, a confirmed one is', async () => {
    const first = await dispatch('interop.importPgAdmin', { json: servers });
    expect(first).toMatchObject({ ok: true, value: { imported: [], hostsToConfirm: ['evil.example.net', 'lab.example.org'] } });
    expect(dialogs).toEqual([]);

    answer = (d) => d.kind === 'import-host' && d.host === 'lab.example.org';
    const second = await dispatch('interop.importPgAdmin', { json: servers, allowedHosts: ['evil.example.net', 'lab.example.org'] });
    expect(second.ok).toBe(true);
    expect(dialogs).toEqual([
      { kind: 'import-host', host: 'evil.example.net', cloud: 'public', servers: [{ name: 'evil', port: 5432 }] },
      {
        kind: 'import-host',
        host: 'lab.example.org',
        cloud: 'public',
        servers: [
          { name: 'lab', port: 5432 },
          { name: 'lab pooler', port: 6432 },
        ],
      },
    ]);
    // The yes covers the host and ports shown, recorded per profile (a later port change drops it).
    const imported = (second.ok ? (second.value as { imported: Profile[] }).imported : []).map((p) => `${p.host}:${p.port}`);
    expect(imported).toEqual(['lab.example.org:5432', 'lab.example.org:6432']);
    expect((await composed.store.list()).map((p) => [`${p.host}:${p.port}`, p.confirmations])).toEqual([
      ['lab.example.org:5432', { nonAzureHost: true }],
      ['lab.example.org:6432', { nonAzureHost: true }],
    ]);
  });
});
