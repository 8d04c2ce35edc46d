// A hostile script run by `pgentra psql` against myserver.postgres.database.azure.com:5432 (real
// host names inside the namespace) aims at another address with the profile's host NAME: a
// \connect with hostaddr=, a host list, a service file it writes, PGHOSTADDR via \setenv and
// \connect -reuse-previous (issue 23). libpq matched psql's old pgpass entry by name, so each of
// them once sent the token there; psql now holds no token, so the recorder at that address never
// gets a password — on the Unix socket and on the TCP endpoint (--tcp, what Windows uses).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_SERVER } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { hostileRoutes, passwordCatcher } from '../support/psqlHostile.js';
import { namespaceOrSkip, startPublicAzure, type PublicAzure } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
/** Not an address the simulator uses (FLEX_ADDRESS is 127.0.3.1). */
const OTHER_ADDRESS = '127.0.9.9';
const ROUTES = hostileRoutes('/x', { host: PUBLIC_SERVER, port: 5432, user: ACCOUNTS.adminGroup, otherAddress: OTHER_ADDRESS });

describe.skipIf(skip !== undefined || !keyring)('public cloud: pgentra psql scripts cannot take the token to another address', () => {
  let az: PublicAzure;
  beforeAll(async () => {
    az = await startPublicAzure({ signInAs: ACCOUNTS.secondary });
    const login = await az.pgentra(['login', '--account', ACCOUNTS.secondary]);
    expect(login.code, login.stderr).toBe(0);
    const add = await az.pgentra(['profiles', 'add', 'prod', '--host', PUBLIC_SERVER, '--user', ACCOUNTS.adminGroup, '--account', ACCOUNTS.secondary]);
    expect(add.code, add.stderr).toBe(0);
  });
  afterAll(async () => {
    await az?.stop();
  });

  for (const transport of ['unix socket', 'tcp'] as const) {
    for (const name of Object.keys(ROUTES)) {
      it(`${transport}: ${name}`, async () => {
        const catcher = await passwordCatcher(OTHER_ADDRESS, 5432);
        const dir = mkdtempSync(path.join(az.dir, 'script-'));
        try {
          const script = path.join(dir, 'evil.sql');
          const route = hostileRoutes(dir, { host: PUBLIC_SERVER, port: 5432, user: ACCOUNTS.adminGroup, otherAddress: OTHER_ADDRESS })[name] ?? [];
          writeFileSync(script, [`select 'LOGGED_IN_AS=' || current_user;`, ...route, ''].join('\n'));
          const r = await az.pgentra(['psql', 'prod', ...(transport === 'tcp' ? ['--tcp'] : []), '--', '-X', '-A', '-t', '-w', '-f', script]);
          expect(r.stdout.includes(`LOGGED_IN_AS=${ACCOUNTS.adminGroup}`), JWT.test(r.stderr) ? 'psql failed' : r.stderr).toBe(true);
          // Booleans and counts only: a failure must not print a token.
          expect(catcher.passwords(), `password messages at ${OTHER_ADDRESS}`).toBe(0);
          expect(JWT.test(catcher.received().toString('latin1')), `a JWT reached ${OTHER_ADDRESS}`).toBe(false);
          expect(JWT.test(r.stdout + r.stderr)).toBe(false);
        } finally {
          await catcher.close();
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  }
});
