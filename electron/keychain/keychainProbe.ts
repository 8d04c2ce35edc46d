// Fast check that the OS keychain answers before MSAL's persistence uses it. On Linux keytar
// talks to a Secret Service over D-Bus; without one the call fails (or, with a broken bus,
// hangs), so the probe has a timeout and turns every failure into keychain_unavailable.
import { PgEntraError } from '../../shared/errors.js';
import { KEYCHAIN_SERVICE } from './keychainNames.js';
import { loadKeytar } from './keytarLoader.js';

export const KEYCHAIN_PROBE_TIMEOUT_MS = 2_000;

export function keychainUnavailable(reason: string, cause?: unknown): PgEntraError {
  const linux = process.platform === 'linux';
  const missing = linux
    ? process.env.DBUS_SESSION_BUS_ADDRESS
      ? 'no Secret Service (org.freedesktop.secrets) answered on the D-Bus session bus'
      : 'there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)'
    : 'the OS keychain did not answer';
  const hint = linux
    ? 'Start a Secret Service such as gnome-keyring (e.g. `eval $(gnome-keyring-daemon --start --components=secrets)` in a desktop session), or pass --memory-cache to keep tokens in memory only for this run.'
    : 'Unlock the keychain and try again, or pass --memory-cache to keep tokens in memory only for this run.';
  return new PgEntraError('keychain_unavailable', `The OS keychain is not available: ${missing} (${reason}).`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    t.unref();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Resolves when the keychain can be read; rejects with keychain_unavailable otherwise. */
export async function probeKeychain(timeoutMs = KEYCHAIN_PROBE_TIMEOUT_MS): Promise<void> {
  if (process.platform === 'win32') return; // DPAPI needs no service
  const keytar = loadKeytar();
  try {
    await withTimeout(keytar.getPassword(KEYCHAIN_SERVICE, 'availability-probe'), timeoutMs);
  } catch (e) {
    throw keychainUnavailable((e as Error).message.split('\n')[0] ?? 'unknown error', e);
  }
}

/** Reads one keychain entry with the probe's timeout and error mapping. */
export async function readKeychainEntry(account: string, timeoutMs = KEYCHAIN_PROBE_TIMEOUT_MS): Promise<string | null> {
  const keytar = loadKeytar();
  try {
    return await withTimeout(keytar.getPassword(KEYCHAIN_SERVICE, account), timeoutMs);
  } catch (e) {
    throw keychainUnavailable((e as Error).message.split('\n')[0] ?? 'unknown error', e);
  }
}
