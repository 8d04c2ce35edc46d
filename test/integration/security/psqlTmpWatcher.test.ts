// Attack: another OS user on the same machine (nobody) lies in wait in a shared temporary folder
// (TMPDIR, mode 1777 like /tmp) while the owner runs `pgentra psql`. Before the launch it plants
// names pgEntra might use there (pgentra-<uid>, pgentra-psql-*) as symlinks to a folder it owns;
// during the run it walks the folder every few milliseconds, reads every file it can and connects
// to every socket file it finds, sending a startup packet as the profile's user. Safe: psql logs
// in as usual, and the watcher neither reads a token nor gets an AuthenticationOk. Written for both
// the current launcher (pgpass file in a 0700 mkdtemp folder) and one that runs psql through an
// in-process local proxy on a Unix socket. (Loopback TCP ports are not probed here: other test runs
// share this machine's ports; another user on the proxy's TCP port is proxyOwnerCheckAddresses.)
// Needs the keychain (test/support/with-keyring.sh).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import type { Profile } from '../../../shared/profile.js';
import { startSignedInProfile, type SignedInProfile } from '../cli/signedInProfile.js';
import { JWT, pgentraPsql } from './psqlLauncher.helpers.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const AS_NOBODY = ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];
let fixture: SignedInProfile | undefined;
let profile: Profile;

beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile('sim admins', 'pgentra-psqlwatch-');
  profile = await openProfileStore(fixture.home).get('sim admins');
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

const WATCHER = `
const fs = require('fs'), net = require('net'), path = require('path');
const [tmp, own, stopFile, readyFile, uid] = process.argv.slice(2);
const JWT = ${JWT.toString()};
const report = { jwt: false, loggedIn: false, sockets: 0, reads: 0, planted: [] };
// Plant names pgEntra might use in the shared folder, pointing at a folder nobody owns.
for (const name of ['pgentra-' + uid, 'pgentra-psql-', 'pgentra-psql-000000', 'pgentra']) {
  try { fs.symlinkSync(own, path.join(tmp, name)); report.planted.push(name); } catch {}
}
const tried = new Set();
const startup = (() => {
  const body = Buffer.from('\\0\\x03\\0\\0user\\0db-admins\\0database\\0postgres\\0\\0', 'latin1');
  const len = Buffer.alloc(4); len.writeInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
})();
const probe = (opts) => {
  const s = net.connect(opts);
  s.on('error', () => undefined);
  s.on('connect', () => s.write(startup));
  s.on('data', (d) => {
    if (d[0] === 0x52 && d.length >= 9 && d.readInt32BE(5) === 0) report.loggedIn = true;
    if (d[0] === 0x4e) s.destroy();
  });
  setTimeout(() => s.destroy(), 2000);
};
const walk = (d, depth) => {
  let names = []; try { names = fs.readdirSync(d); } catch { return; }
  for (const n of names) {
    const p = path.join(d, n);
    let st; try { st = fs.lstatSync(p); } catch { continue; }
    if (st.isDirectory() && depth < 4) walk(p, depth + 1);
    else if (st.isFile()) { try { const c = fs.readFileSync(p, 'latin1'); report.reads++; if (JWT.test(c)) report.jwt = true; } catch {} }
    else if (st.isSocket() && !tried.has(p)) { tried.add(p); report.sockets++; probe({ path: p }); }
  }
};
fs.writeFileSync(readyFile, 'ready');
const tick = () => {
  walk(tmp, 0); walk(own, 0);
  if (fs.existsSync(stopFile)) return setTimeout(() => { console.log(JSON.stringify(report)); process.exit(0); }, 2500);
  setTimeout(tick, 10);
};
tick();
setTimeout(() => { console.log(JSON.stringify(report)); process.exit(0); }, 120000);
`;

describe.skipIf(!keyring)('pgentra psql with another user watching the shared temporary folder', () => {
  it('psql logs in; the watcher reads no token and logs in nowhere', async () => {
    const shared = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlwatch-shared-'));
    chmodSync(shared, 0o1777);
    const work = mkdtempSync(path.join(os.tmpdir(), 'pgentra-psqlwatch-work-'));
    chmodSync(work, 0o755);
    const own = path.join(work, 'nobody-owned');
    const stopFile = path.join(work, 'stop');
    const readyFile = path.join(shared, 'watcher-ready');
    writeFileSync(path.join(work, 'watcher.js'), WATCHER, { mode: 0o644 });
    const script = path.join(work, 'run.sql');
    writeFileSync(script, [`select 'LOGGED_IN_AS=' || current_user;`, 'select pg_sleep(3);', ''].join('\n'), { mode: 0o644 });
    const uid = String(process.getuid?.() ?? 0);
    // The folder the planted links point at: nobody's own (made by nobody itself).
    const mk = spawn('/usr/bin/setpriv', [...AS_NOBODY, '/bin/mkdir', '-m', '0777', own], { stdio: 'ignore' });
    chmodSync(work, 0o777);
    await new Promise((r) => mk.on('exit', r));
    chmodSync(work, 0o755);
    const watcher = spawn('/usr/bin/setpriv', [...AS_NOBODY, process.execPath, path.join(work, 'watcher.js'), shared, own, stopFile, readyFile, uid], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    watcher.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const watcherDone = new Promise((r) => watcher.on('exit', r));
    try {
      for (let i = 0; i < 200 && !existsSync(readyFile); i++) await new Promise((r) => setTimeout(r, 50));
      const env = { ...process.env, PGENTRA_HOME: fixture?.home, PGENTRA_PSQL: '/usr/bin/psql', PGENTRA_CLOUD_FILE: '', TMPDIR: shared, XDG_RUNTIME_DIR: '' };
      const r = await pgentraPsql(profile.id, ['-X', '-A', '-t', '-w', '-f', script], env).done;
      expect(r.out.includes('LOGGED_IN_AS=db-admins'), JWT.test(r.err) ? 'psql failed' : r.err).toBe(true);
      writeFileSync(stopFile, 'stop');
      await Promise.race([watcherDone, new Promise((res) => setTimeout(res, 20_000))]);
      const report = JSON.parse(out.trim() || '{}') as { jwt?: boolean; loggedIn?: boolean; planted?: string[] };
      expect(report.planted?.length, 'the watcher ran and planted its links').toBeGreaterThan(0);
      expect(report.jwt).toBe(false);
      expect(report.loggedIn).toBe(false);
    } finally {
      if (watcher.exitCode === null && watcher.signalCode === null) watcher.kill('SIGKILL');
      rmSync(shared, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
