// Roles as Azure has them: matched by object id whatever their name, admins without superuser,
// the pgaadauth_* functions in pg_catalog, and the token-type check for user roles.
// Real PostgreSQL, pg, Debian's psql and pgbench.
import { execFile } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTlsMaterial, type TlsMaterial } from '../ca.js';
import { ACCOUNTS, loadDirectory } from '../types.js';
import { startFlexSim, type FlexSim } from './index.js';
import { psql, startFakeIssuer, writeCaFile, type FakeIssuer } from './test-support.js';

const directory = loadDirectory();
const oidOf = (upn: string): string => directory.users.find((u) => u.upn === upn)?.objectId ?? '';
const ALICE_OID = oidOf(ACCOUNTS.primary);
const REPORTING_OID = directory.managedIdentities.find((m) => m.name === ACCOUNTS.userIdentity)?.objectId ?? '';
const READERS_OID = directory.groups.find((g) => g.displayName === ACCOUNTS.readerGroup)?.objectId ?? '';

let tls: TlsMaterial;
let issuer: FakeIssuer;
let sim: FlexSim;
let ca: { caFile: string; remove(): void };

beforeAll(async () => {
  tls = await createTlsMaterial();
  issuer = await startFakeIssuer(directory, tls);
  sim = await startFlexSim({
    directory,
    tls,
    entra: { jwksUri: issuer.jwksUri, tenantId: issuer.tenantId, issuer: issuer.issuer, caCertPem: tls.caCertPem },
  });
  ca = writeCaFile(tls.caCertPem);
});

afterAll(async () => {
  await sim?.close();
  await issuer?.close();
  ca?.remove();
});

function client(user: string, password: string): pg.Client {
  const c = new pg.Client({ host: sim.host, port: sim.port, database: 'postgres', user, password, ssl: { ca: tls.caCertPem, servername: 'localhost' } });
  c.on('error', () => undefined);
  return c;
}

async function query<T>(user: string, password: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = client(user, password);
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

const asAdmin = <T>(sql: string, params: unknown[] = []): Promise<T[]> => query<T>(sim.adminUser, sim.adminPassword, sql, params);

async function currentUser(user: string, token: string): Promise<string> {
  const [row] = await query<{ u: string }>(user, token, 'select current_user as u');
  return row?.u ?? '';
}

async function loginError(user: string, password: string): Promise<{ message: string; code: string | undefined }> {
  try {
    await query(user, password, 'select 1');
  } catch (e) {
    const err = e as { message: string; code?: string };
    return { message: err.message, code: err.code };
  }
  throw new Error(`login as ${user} unexpectedly succeeded`);
}

describe('roles are matched by object id', () => {
  it('a role created with pgaadauth_create_principal_with_oid works under any name', async () => {
    await asAdmin("select pg_catalog.pgaadauth_create_principal_with_oid('Alice (finance)', $1, 'user', false, false)", [ALICE_OID]);
    expect(await currentUser('Alice (finance)', issuer.mint(ACCOUNTS.primary))).toBe('Alice (finance)');
    // Someone else's token for it: the oid does not match.
    expect(await loginError('Alice (finance)', issuer.mint(ACCOUNTS.nonMember))).toEqual({
      message: 'password authentication failed for user "Alice (finance)"',
      code: '28P01',
    });
  });

  it('a managed identity and a group under names of the admin’s choosing', async () => {
    await asAdmin("select pgaadauth_create_principal_with_oid('reporting job', $1, 'service', false, false)", [REPORTING_OID]);
    expect(await currentUser('reporting job', issuer.mint(ACCOUNTS.userIdentity))).toBe('reporting job');
    expect((await loginError('reporting job', issuer.mint(ACCOUNTS.systemIdentity))).code).toBe('28P01');
    await asAdmin("select pgaadauth_create_principal_with_oid('Readers Team', $1, 'group', false, false)", [READERS_OID]);
    expect(await currentUser('Readers Team', issuer.mint(ACCOUNTS.guest))).toBe('Readers Team');
  });

  it('a user whose UPN changed still logs in to the role named after the old UPN', async () => {
    await asAdmin("select pgaadauth_create_principal('alice@contoso.example', false, false)");
    const renamed = issuer.mint(ACCOUNTS.primary, { extra: { upn: 'alice.smith@contoso.example', unique_name: 'alice.smith@contoso.example' } });
    expect(await currentUser(ACCOUNTS.primary, renamed)).toBe(ACCOUNTS.primary);
    // And with psql, as a user would.
    const r = await psql({ port: sim.port, user: ACCOUNTS.primary, password: renamed, caFile: ca.caFile, sql: 'select session_user' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(ACCOUNTS.primary);
  });

  it('a managed identity token for a user role gets Azure’s token-type error', async () => {
    // alice@contoso.example exists (previous test); vm-app-01's token is an app token.
    const text = 'Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[alice@contoso.example]';
    expect((await loginError(ACCOUNTS.primary, issuer.mint(ACCOUNTS.systemIdentity))).message).toBe(text);
    const r = await psql({ port: sim.port, user: ACCOUNTS.primary, password: issuer.mint(ACCOUNTS.servicePrincipal), caFile: ca.caFile, sql: 'select 1' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`FATAL:  ${text}`);
  });
});

describe('admins are not superusers', () => {
  interface RoleRow {
    rolname: string;
    rolsuper: boolean;
    rolinherit: boolean;
    rolcreaterole: boolean;
    rolcreatedb: boolean;
    admin: boolean;
  }
  const ROLE_SQL = `select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, pg_has_role(rolname, 'azure_pg_admin', 'MEMBER') as admin
    from pg_roles where rolname = any($1) order by rolname`;

  it('the password admin, the Entra admin group and isAdmin roles: NOSUPERUSER INHERIT CREATEDB CREATEROLE, azure_pg_admin', async () => {
    await asAdmin("select pgaadauth_create_principal('sp-etl', true, false)");
    const rows = await asAdmin<RoleRow>(ROLE_SQL, [[sim.adminUser, ACCOUNTS.adminGroup, 'sp-etl']]);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r).toEqual({ rolname: r.rolname, rolsuper: false, rolinherit: true, rolcreaterole: true, rolcreatedb: true, admin: true });
    // Only Azure's internal role is a superuser.
    expect(await asAdmin('select rolname from pg_roles where rolsuper')).toEqual([{ rolname: 'azuresu' }]);
  });

  it('a non-admin Entra role gets neither attribute', async () => {
    await asAdmin("select pgaadauth_create_principal('carol@contoso.example', false, false)");
    const rows = await asAdmin<RoleRow>(ROLE_SQL, [['carol@contoso.example']]);
    expect(rows[0]).toMatchObject({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, admin: false });
  });

  it('the admin can do what an Azure admin can, and not what needs a superuser', async () => {
    const c = client(sim.adminUser, sim.adminPassword);
    await c.connect();
    try {
      await c.query('create table admin_made(x int)');
      await c.query('create role app_reader login');
      await c.query('grant select on admin_made to app_reader');
      await expect(c.query('create role root_wannabe superuser')).rejects.toMatchObject({ code: '42501' });
      await expect(c.query("alter system set work_mem = '8MB'")).rejects.toMatchObject({ code: '42501' });
    } finally {
      await c.end();
    }
    expect((await loginError('azuresu', 'guess')).code).toBe('28P01');
  });

  it('pgbench -i as the Entra admin group in the postgres database', async () => {
    const token = issuer.mint(ACCOUNTS.secondary);
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      PGHOST: 'localhost',
      PGPORT: String(sim.port),
      PGUSER: ACCOUNTS.adminGroup,
      PGPASSWORD: token,
      PGDATABASE: 'postgres',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: ca.caFile,
    };
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('/usr/bin/pgbench', ['-i', '-s', '1', '-q'], { env, timeout: 120_000 }, (err, _out, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }));
    });
    expect(r.stderr).toContain('done in');
    expect(r.code).toBe(0);
    const owner = await query<{ tableowner: string; n: number }>(
      ACCOUNTS.adminGroup,
      token,
      "select tableowner, (select count(*)::int from pgbench_accounts) as n from pg_tables where tablename = 'pgbench_accounts'",
    );
    expect(owner).toEqual([{ tableowner: ACCOUNTS.adminGroup, n: 100_000 }]);
  });
});

describe('pgaadauth functions, schema-qualified as Microsoft documents them', () => {
  it('pg_catalog.pgaadauth_create_principal and unqualified both work', async () => {
    expect(await asAdmin("select pg_catalog.pgaadauth_create_principal('id-reporting', false, false) as r")).toEqual([{ r: 'Created role for "id-reporting"' }]);
    expect(await asAdmin("select pgaadauth_create_principal('vm-app-01', false, false) as r")).toEqual([{ r: 'Created role for "vm-app-01"' }]);
    const [fn] = await asAdmin<{ nspname: string }>("select n.nspname from pg_proc p join pg_namespace n on n.oid = p.pronamespace where p.proname = 'pgaadauth_create_principal'");
    expect(fn).toEqual({ nspname: 'pg_catalog' });
  });

  it('pg_catalog.pgaadauth_list_principals returns the documented columns (psql)', async () => {
    const r = await psql({
      port: sim.port,
      user: ACCOUNTS.adminGroup,
      password: issuer.mint(ACCOUNTS.secondary),
      caFile: ca.caFile,
      sql: "select * from pg_catalog.pgaadauth_list_principals(true) where rolename = 'db-admins'",
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`db-admins|group|${directory.groups.find((g) => g.entraAdmin)?.objectId ?? ''}|${directory.tenant.id}|0|1`);
    const cols = await asAdmin<{ name: string }>("select unnest(proargnames) as name from pg_proc where proname = 'pgaadauth_list_principals' and pronamespace = 'pg_catalog'::regnamespace");
    expect(cols.map((c) => c.name)).toEqual(['isadminvalue', 'rolename', 'principaltype', 'objectid', 'tenantid', 'ismfa', 'isadmin']);
  });
});
