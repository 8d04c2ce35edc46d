// Microsoft Entra admin helpers of Azure Database for PostgreSQL flexible server. The pgaadauth
// functions only exist in the `postgres` database and are called schema-qualified, as Microsoft
// documents them (`pg_catalog.pgaadauth_*`: a role's search_path cannot redirect them). Each
// helper returns the SQL it ran (with its parameters) so the UI can show exactly what happened.
import type pg from 'pg';
import type { CreatePrincipalResult, ListPrincipalsResult, Principal } from '../../shared/ipcSessions.js';

export const SQL = {
  createByName: 'select * from pg_catalog.pgaadauth_create_principal($1, $2, $3)',
  createByOid: 'select * from pg_catalog.pgaadauth_create_principal_with_oid($1, $2, $3, $4, $5)',
  listPrincipals: 'select * from pg_catalog.pgaadauth_list_principals($1)',
  whoAmI: 'select current_user, session_user',
} as const;

type Queryable = Pick<pg.ClientBase, 'query'>;

/**
 * Runs `sql`; when the server has no pg_catalog.pgaadauth_* function (42883 — a server or
 * simulator that installs them in another schema on the search_path), runs the unqualified call
 * once. Returns the SQL that actually ran.
 */
async function runAdminSql<R extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[]): Promise<{ result: pg.QueryResult<R>; sql: string }> {
  try {
    return { result: await db.query<R>(sql, params), sql };
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
    if (code !== '42883' || !sql.includes('pg_catalog.pgaadauth_')) throw e;
    const unqualified = sql.replace('pg_catalog.pgaadauth_', 'pgaadauth_');
    return { result: await db.query<R>(unqualified, params), sql: unqualified };
  }
}

/** The first column of the first row, as text (the functions return `Created role for "<name>"`). */
function firstValue(r: pg.QueryResult): string {
  const row: Record<string, unknown> | undefined = r.rows[0];
  const first = row ? Object.values(row)[0] : undefined;
  return first === undefined || first === null ? '' : String(first);
}

export async function createPrincipalByName(db: Queryable, roleName: string, isAdmin: boolean, isMfa: boolean): Promise<CreatePrincipalResult> {
  const params = [roleName, isAdmin, isMfa];
  const { result: r, sql } = await runAdminSql(db, SQL.createByName, params);
  return { sql, params, message: firstValue(r) || `Created role for "${roleName}"` };
}

export async function createPrincipalByObjectId(
  db: Queryable,
  roleName: string,
  objectId: string,
  objectType: 'user' | 'group' | 'service',
  isAdmin: boolean,
  isMfa: boolean,
): Promise<CreatePrincipalResult> {
  const params = [roleName, objectId, objectType, isAdmin, isMfa];
  const { result: r, sql } = await runAdminSql(db, SQL.createByOid, params);
  return { sql, params, message: firstValue(r) || `Created role for "${roleName}"` };
}

function asBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

function asText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/**
 * A column by any of its spellings: as declared (principalType …), folded to lower case when the
 * function's OUT names are unquoted, or an alternative name.
 */
function pick(row: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) {
    for (const n of [name, name.toLowerCase()]) if (row[n] !== undefined) return row[n];
  }
  return undefined;
}

/** Lists Entra principals; `adminsOnly` maps to the function's isAdminValue argument. */
export async function listPrincipals(db: Queryable, adminsOnly = false): Promise<ListPrincipalsResult> {
  const params = [adminsOnly];
  const { result: r, sql } = await runAdminSql<Record<string, unknown>>(db, SQL.listPrincipals, params);
  const principals: Principal[] = r.rows.map((row) => ({
    // Microsoft's docs spell the first column `rolename` on one page and `rolname` on another.
    roleName: asText(pick(row, 'rolename', 'rolname', 'roleName')),
    principalType: asText(pick(row, 'principalType')),
    objectId: asText(pick(row, 'objectId')),
    tenantId: asText(pick(row, 'tenantId')),
    isMfa: asBool(pick(row, 'isMfa')),
    isAdmin: asBool(pick(row, 'isAdmin')),
  }));
  return { sql, params, principals };
}

export async function whoAmI(db: Queryable): Promise<{ currentUser: string; sessionUser: string }> {
  const r = await db.query<{ current_user: string; session_user: string }>(SQL.whoAmI);
  const row = r.rows[0];
  return { currentUser: row?.current_user ?? '', sessionUser: row?.session_user ?? '' };
}
