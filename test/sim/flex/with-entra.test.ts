// The flexible-server simulator against the real Entra simulator (its JWKS, its tokens).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlsMaterial, type TlsMaterial } from '../ca.js';
import { startEntraSim, type EntraSim } from '../entra/index.js';
import { ACCOUNTS, loadDirectory } from '../types.js';
import { startFlexSim, type FlexSim } from './index.js';
import { psql, writeCaFile } from './test-support.js';

const directory = loadDirectory();
let tls: TlsMaterial;
let entra: EntraSim;
let flex: FlexSim;
let ca: { caFile: string; remove(): void };

beforeAll(async () => {
  tls = await createTlsMaterial();
  entra = await startEntraSim({ directory, tls });
  flex = await startFlexSim({
    directory,
    tls,
    entra: { jwksUri: entra.jwksUri, tenantId: entra.tenantId, issuer: entra.issuerV1, caCertPem: tls.caCertPem },
  });
  ca = writeCaFile(tls.caCertPem);
});

afterAll(async () => {
  await flex?.close();
  await entra?.close();
  ca?.remove();
});

const FORMAT = 'The access token has invalid format. Please ensure the token is passed exactly as returned by the authentication endpoint and retry.';

describe('with the Entra simulator', () => {
  it('psql: a db-admins member logs in with the group name', async () => {
    const token = entra.control.mintAccessToken({ upn: ACCOUNTS.secondary });
    const r = await psql({ port: flex.port, user: ACCOUNTS.adminGroup, password: token, caFile: ca.caFile, sql: 'select current_user' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('db-admins');
  });

  const rejections: [string, () => string, string, string][] = [
    ['expired', () => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { expired: true }), ACCOUNTS.adminGroup, 'The access token has expired. Acquire a new token and try again.'],
    [
      'wrong audience',
      () => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { audience: 'https://management.core.windows.net/' }),
      ACCOUNTS.adminGroup,
      'The access token does not have a valid audience claim. Please acquire a new token for the resource "https://ossrdbms-aad.database.windows.net".',
    ],
    ['tampered', () => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { tamper: true }), ACCOUNTS.adminGroup, FORMAT],
    ['signed with a foreign key', () => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { signWithForeignKey: true }), ACCOUNTS.adminGroup, FORMAT],
    ['from another tenant', () => entra.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { tenantId: '11111111-2222-4333-8444-555555555555' }), ACCOUNTS.adminGroup, FORMAT],
    ['non-member', () => entra.control.mintAccessToken({ upn: ACCOUNTS.primary }), ACCOUNTS.adminGroup, 'password authentication failed for user "db-admins"'],
    ['unknown role', () => entra.control.mintAccessToken({ upn: ACCOUNTS.nonMember }), ACCOUNTS.nonMember, `password authentication failed for user "${ACCOUNTS.nonMember}"`],
  ];
  for (const [name, mint, user, text] of rejections) {
    it(`psql: rejects ${name}`, async () => {
      const r = await psql({ port: flex.port, user, password: mint(), caFile: ca.caFile, sql: 'select 1' });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`FATAL:  ${text}`);
    });
  }

  it('pg: guest user, user-assigned identity and service principal roles', async () => {
    const admin = new pg.Client({ host: flex.host, port: flex.port, user: flex.adminUser, password: flex.adminPassword, database: 'postgres', ssl: { ca: tls.caCertPem } });
    await admin.connect();
    for (const name of [ACCOUNTS.guest, ACCOUNTS.userIdentity, ACCOUNTS.servicePrincipal]) {
      await admin.query('select pgaadauth_create_principal($1, false, false)', [name]);
    }
    await admin.end();
    const logins: [string, string][] = [
      [ACCOUNTS.guest, entra.control.mintAccessToken({ upn: ACCOUNTS.guest })],
      [ACCOUNTS.userIdentity, entra.control.mintAccessToken({ managedIdentity: ACCOUNTS.userIdentity })],
      [ACCOUNTS.servicePrincipal, entra.control.mintAccessToken({ servicePrincipal: ACCOUNTS.servicePrincipal })],
    ];
    for (const [user, password] of logins) {
      const c = new pg.Client({ host: flex.host, port: flex.port, user, password, database: 'postgres', ssl: { ca: tls.caCertPem } });
      await c.connect();
      expect((await c.query('select current_user as u')).rows[0]).toEqual({ u: user });
      await c.end();
    }
  });

  it('pg: roles by object id with the Entra simulator’s tokens; an app token for a user role is refused', async () => {
    const admin = new pg.Client({ host: flex.host, port: flex.port, user: flex.adminUser, password: flex.adminPassword, database: 'postgres', ssl: { ca: tls.caCertPem } });
    await admin.connect();
    const mi = directory.managedIdentities.find((m) => m.name === ACCOUNTS.systemIdentity);
    await admin.query("select pg_catalog.pgaadauth_create_principal_with_oid('nightly export', $1, 'service', false, false)", [mi?.objectId]);
    await admin.query('select pg_catalog.pgaadauth_create_principal($1, false, false)', [ACCOUNTS.primary]);
    await admin.end();
    const login = async (user: string, password: string): Promise<string> => {
      const c = new pg.Client({ host: flex.host, port: flex.port, user, password, database: 'postgres', ssl: { ca: tls.caCertPem } });
      c.on('error', () => undefined);
      await c.connect();
      try {
        return ((await c.query('select current_user as u')).rows[0] as { u: string }).u;
      } finally {
        await c.end();
      }
    };
    expect(await login('nightly export', entra.control.mintAccessToken({ managedIdentity: ACCOUNTS.systemIdentity }))).toBe('nightly export');
    expect(await login(ACCOUNTS.primary, entra.control.mintAccessToken({ upn: ACCOUNTS.primary }))).toBe(ACCOUNTS.primary);
    await expect(login(ACCOUNTS.primary, entra.control.mintAccessToken({ servicePrincipal: ACCOUNTS.servicePrincipal }))).rejects.toThrow(
      `Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[${ACCOUNTS.primary}]`,
    );
  });
});
