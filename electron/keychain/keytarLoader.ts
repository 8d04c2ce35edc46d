// keytar is a native module: load it lazily (the app may run where it failed to build) and turn
// a load failure into a typed keychain_unavailable error instead of a crash at import time.
import { createRequire } from 'node:module';
import { PgEntraError } from '../../shared/errors.js';

export interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

let cached: Keytar | undefined;

export function loadKeytar(): Keytar {
  if (cached) return cached;
  try {
    const req = createRequire(import.meta.url);
    cached = req('keytar') as Keytar;
    return cached;
  } catch (e) {
    throw new PgEntraError('keychain_unavailable', `The keychain module (keytar) could not be loaded: ${(e as Error).message}.`, {
      hint: 'Reinstall pgEntra, or use --memory-cache to keep tokens in memory only for this run.',
      cause: e,
    });
  }
}
