// Attack: make `pgentra psql` leave its secret behind. The launcher is stopped the ways a terminal
// stops it — SIGTERM (kill, a service manager), SIGHUP (the terminal window closed) — while psql
// runs a long statement. Safe: psql is stopped with it and no file holding a token stays in the
// temporary folder (TMPDIR points at a scratch folder, so everything pgentra writes there is
// seen). Needs the keychain (test/support/with-keyring.sh). The signals a process cannot clean up
// after (SIGQUIT, SIGKILL) are in psqlSignalDeath.test.ts.
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { rmSync } from 'node:fs';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import type { Profile } from '../../../shared/profile.js';
import { startSignedInProfile, type SignedInProfile } from '../cli/signedInProfile.js';
import { stopMidStatement } from './psqlLauncher.helpers.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
let fixture: SignedInProfile | undefined;
let profile: Profile;

beforeAll(async () => {
  if (!keyring) return;
  fixture = await startSignedInProfile('sim admins', 'pgentra-psqlsig-');
  profile = await openProfileStore(fixture.home).get('sim admins');
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

describe.skipIf(!keyring)('pgentra psql stopped by a signal it can handle', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: psql stops too and no token stays in the temporary folder`, async () => {
      const r = await stopMidStatement(signal, fixture?.home as string, profile.id);
      try {
        expect(r.exit).toMatchObject({ code: 128 + (os.constants.signals[signal] as number) });
        expect(r.jwtFiles).toEqual([]);
        expect(r.leftovers).toEqual([]);
      } finally {
        rmSync(r.tmp, { recursive: true, force: true });
      }
    });
  }
});
