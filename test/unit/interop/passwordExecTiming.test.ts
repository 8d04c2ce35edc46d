// The rule behind the pgAdmin export's PasswordExecExpiration: pgAdmin reuses the printed token
// for at most PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, and `pgentra token` never prints one with
// less than TOKEN_COMMAND_MIN_VALIDITY_SECONDS left — so a reused token never reaches a login
// expired. Every export path writes the default unless told otherwise.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORD_EXEC_SAFETY_MARGIN_SECONDS, PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, TOKEN_COMMAND_MIN_VALIDITY_SECONDS, reuseOutlivesToken } from '../../../electron/interop/passwordExecTiming.js';
import { buildPgAdminExport } from '../../../electron/interop/pgadminExport.js';
import { exportPgAdminJson } from '../../../electron/interop/pgadminService.js';
import { DEFAULT_MIN_VALIDITY_SECONDS } from '../../../electron/auth/tokenBroker.js';
import { validateProfileInput, type Profile } from '../../../shared/profile.js';

function profile(name: string): Profile {
  const r = validateProfileInput({ name, host: `${name}.postgres.database.azure.com`, username: 'db-admins' });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

describe('the password-command timing rule', () => {
  it('pgentra token guarantees 5 minutes; pgAdmin reuses a token for 240 s, a margin below that', () => {
    expect(TOKEN_COMMAND_MIN_VALIDITY_SECONDS).toBe(300);
    expect(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS).toBe(240);
    expect(PASSWORD_EXEC_SAFETY_MARGIN_SECONDS).toBeGreaterThanOrEqual(30);
    expect(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS + PASSWORD_EXEC_SAFETY_MARGIN_SECONDS).toBeLessThanOrEqual(TOKEN_COMMAND_MIN_VALIDITY_SECONDS);
    expect(reuseOutlivesToken(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS)).toBe(false);
    // Reuse saves an app start per connection only when it is not 0.
    expect(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS).toBeGreaterThan(0);
    // The token command asks for more than the broker's general default (long-lived app sessions).
    expect(TOKEN_COMMAND_MIN_VALIDITY_SECONDS).toBeGreaterThan(DEFAULT_MIN_VALIDITY_SECONDS);
  });

  it('reuseOutlivesToken flags a reuse window that reaches into the last minute of the token', () => {
    expect(reuseOutlivesToken(0)).toBe(false);
    expect(reuseOutlivesToken(240)).toBe(false);
    expect(reuseOutlivesToken(241)).toBe(true);
    expect(reuseOutlivesToken(300)).toBe(true);
    expect(reuseOutlivesToken(3600)).toBe(true);
    // With a smaller guarantee (--min-validity 120), 240 would not be safe.
    expect(reuseOutlivesToken(240, 120)).toBe(true);
  });
});

describe('every pgAdmin export path writes PasswordExecExpiration 240 by default', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pet-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('buildPgAdminExport (pure) without an expiration', () => {
    const file = buildPgAdminExport([profile('a'), profile('b')], { os: 'linux', launcher: ['/opt/pgEntra/resources/bin/pgentra'], sslRootCertFor: () => '/x/roots.pem' });
    expect(Object.values(file.Servers).map((s) => s.PasswordExecExpiration)).toEqual([240, 240]);
  });

  it('exportPgAdminJson (the CLI and the app) without an expiration; an explicit value still wins', async () => {
    const req = { dataDir: home, os: 'linux' as const, env: {}, cliPath: '/opt/pgEntra/resources/bin/pgentra', sslRootCert: '/x/roots.pem' };
    const json = JSON.parse(await exportPgAdminJson([profile('a')], req)) as { Servers: Record<string, { PasswordExecExpiration: number }> };
    expect(json.Servers['1']?.PasswordExecExpiration).toBe(PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS);
    const zero = JSON.parse(await exportPgAdminJson([profile('a')], { ...req, passwordExecExpiration: 0 })) as { Servers: Record<string, { PasswordExecExpiration: number }> };
    expect(zero.Servers['1']?.PasswordExecExpiration).toBe(0);
  });
});
