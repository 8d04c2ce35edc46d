// The pgaadauth admin helpers: schema-qualified calls as Microsoft documents them, and the first
// column of pgaadauth_list_principals read whether a server spells it rolename or rolname.
import { describe, expect, it } from 'vitest';
import { SQL, createPrincipalByName, listPrincipals } from '../../../electron/sessions/admin.js';

interface Call {
  sql: string;
  params: unknown[];
}

function fakeDb(rows: Array<Record<string, unknown>>, opts: { qualifiedMissing?: boolean } = {}): { db: { query: (sql: string, params: unknown[]) => Promise<{ rows: unknown[] }> }; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    db: {
      async query(sql: string, params: unknown[]) {
        calls.push({ sql, params });
        if (opts.qualifiedMissing && sql.includes('pg_catalog.')) {
          throw Object.assign(new Error('function pg_catalog.pgaadauth_list_principals(boolean) does not exist'), { code: '42883', severity: 'ERROR' });
        }
        return { rows };
      },
    },
  };
}

const principal = { principalType: 'group', objectId: '0f0e0d0c-0000-4000-8000-000000000001', tenantId: 't', isMfa: 0, isAdmin: 1 };

describe('admin helpers', () => {
  it('call the functions as pg_catalog.pgaadauth_* and report that SQL', async () => {
    expect(SQL.createByName).toBe('select * from pg_catalog.pgaadauth_create_principal($1, $2, $3)');
    expect(SQL.createByOid).toContain('pg_catalog.pgaadauth_create_principal_with_oid(');
    expect(SQL.listPrincipals).toBe('select * from pg_catalog.pgaadauth_list_principals($1)');
    const { db, calls } = fakeDb([{ pgaadauth_create_principal: 'Created role for "db-readers"' }]);
    const r = await createPrincipalByName(db as never, 'db-readers', false, false);
    expect(calls.map((c) => c.sql)).toEqual([SQL.createByName]);
    expect(r).toMatchObject({ sql: SQL.createByName, message: 'Created role for "db-readers"' });
  });

  it.each([
    ['rolename', { rolename: 'db-admins', ...principal }],
    ['rolname', { rolname: 'db-admins', ...principal }],
    ['lower-case OUT names', { rolname: 'db-admins', principaltype: 'group', objectid: principal.objectId, tenantid: 't', ismfa: 0, isadmin: 1 }],
  ])('reads the first column spelled %s', async (_label, row) => {
    const { db } = fakeDb([row]);
    const r = await listPrincipals(db as never, true);
    expect(r.principals).toEqual([{ roleName: 'db-admins', principalType: 'group', objectId: principal.objectId, tenantId: 't', isMfa: false, isAdmin: true }]);
    expect(r.params).toEqual([true]);
  });

  it('falls back to the unqualified name only when pg_catalog has no such function (42883)', async () => {
    const { db, calls } = fakeDb([{ rolename: 'x', ...principal }], { qualifiedMissing: true });
    const r = await listPrincipals(db as never);
    expect(calls.map((c) => c.sql)).toEqual([SQL.listPrincipals, 'select * from pgaadauth_list_principals($1)']);
    expect(r.sql).toBe('select * from pgaadauth_list_principals($1)');
    const other = { query: async () => Promise.reject(Object.assign(new Error('permission denied'), { code: '42501' })) };
    await expect(listPrincipals(other as never)).rejects.toMatchObject({ code: '42501' });
  });
});
