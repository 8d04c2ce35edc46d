// A private OS keychain for the e2e run when it was not started under test/support/with-keyring.sh
// (e.g. `npm run test:e2e`): a session D-Bus and an unlocked gnome-keyring Secret Service in a
// throwaway XDG_DATA_HOME, exactly what with-keyring.sh sets up, started from this process so
// keytar (libsecret) finds it through DBUS_SESSION_BUS_ADDRESS. Stopped by the returned function.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function ensureKeyring(): Promise<() => Promise<void>> {
  if (process.env.PGENTRA_KEYRING_READY === '1') return async () => undefined;
  const home = mkdtempSync(path.join(tmpdir(), 'pgentra-e2e-keyring-'));
  const out = execFileSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { encoding: 'utf8' });
  const [address = '', pidText = ''] = out.trim().split('\n');
  const dbusPid = Number(pidText);
  const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_DATA_HOME: home };
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env, stdio: ['pipe', 'ignore', 'ignore'] });
  keyring.stdin.end('pgentra-test');
  // Wait until the Secret Service owns its bus name.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const reply = execFileSync(
        'dbus-send',
        ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
        { env, encoding: 'utf8' },
      );
      if (reply.includes('boolean true')) break;
    } catch {
      // bus not ready yet
    }
    if (Date.now() > deadline) throw new Error('gnome-keyring did not start its Secret Service within 10 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  return async () => {
    keyring.kill('SIGTERM');
    try {
      if (dbusPid > 0) process.kill(dbusPid, 'SIGTERM');
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
}
