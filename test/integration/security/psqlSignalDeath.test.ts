// Attack: kill `pgentra psql` in a way it cannot clean up after — SIGQUIT (Ctrl+\ in the terminal,
// which goes to the whole foreground process group) or SIGKILL (the OOM killer, `kill -9`) —
// while psql runs. The launcher removes its temporary pgpass file (which holds the Entra token)
// only when psql exits or in a process 'exit' handler, and neither runs on a signal death: the
// token stays in <TMPDIR>/pgentra-psql-XXXXXX/pgpass until the temporary folder is cleaned (often
// only at reboot). Safe: no file holding a token is left, e.g. because psql never gets the token
// in a file at all (the launcher's move to an in-process proxy). On current code this test FAILS.
// Needs the keychain (test/support/with-keyring.sh).
import 'reflect-metadata'; // the simulator CA (@peculiar/x509) needs it first
import { rmSync } from 'node:fs';
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
  fixture = await startSignedInProfile('sim admins', 'pgentra-psqldeath-');
  profile = await openProfileStore(fixture.home).get('sim admins');
}, 180_000);

afterAll(async () => {
  await fixture?.stop();
});

describe.skipIf(!keyring)('pgentra psql killed by a signal it cannot clean up after', () => {
  for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
    it(`${signal}: no file holding a token stays in the temporary folder`, async () => {
      const r = await stopMidStatement(signal, fixture?.home as string, profile.id);
      try {
        expect(r.jwtFiles).toEqual([]);
      } finally {
        rmSync(r.tmp, { recursive: true, force: true });
      }
    });
  }
});
