// Microsoft Entra admin helpers of Azure Database for PostgreSQL flexible server. The pgaadauth
// functions only exist in the `postgres` database. Each helper returns the SQL it ran (with its
// parameters) so the UI can show exactly what happened.
import type pg from 'pg';
import type { CreatePrincipalResult, ListPrincipalsResult, Principal } from '../../shared/ipcSessions.js';

export const SQL = {
  createByName: 'select * from pgaadauth_create_principal($1, $2, $3)',
  createByOid: 'select * from pgaadauth_create_principal_with_oid($1, $2, $3, $4, $5)',
  listPrincipals: 'select * from pgaadauth_list_principals($1)',
  whoAmI: 'select current_user, session_user',
} as const;

type Queryable = Pick<pg.ClientBase, 'query'>;

/** The first column of the first row, as text (the functions return `Created role for "<name>"`). */
function firstValue(r: pg.QueryResult): string {
  const row: Record<string, unknown> | undefined = r.rows[0];
  const first = row ? Object.values(row)[0] : undefined;
  return first === undefined || first === null ? '' : String(first);
}

export async function createPrincipalByName(db: Queryable, roleName: string, isAdmin: boolean, isMfa: boolean): Promise<CreatePrincipalResult> {
  const params = [roleName, isAdmin, isMfa];
  const r = await db.query(SQL.createByName, params);
  return { sql: SQL.createByName, params, message: firstValue(r) || `Created role for "${roleName}"` };
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
  const r = await db.query(SQL.createByOid, params);
  return { sql: SQL.createByOid, params, message: firstValue(r) || `Created role for "${roleName}"` };
}

function asBool(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
}

function asText(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Lists Entra principals; `adminsOnly` maps to the function's isAdminValue argument. */
export async function listPrincipals(db: Queryable, adminsOnly = false): Promise<ListPrincipalsResult> {
  const params = [adminsOnly];
  const r = await db.query<Record<string, unknown>>(SQL.listPrincipals, params);
  // Column names as the function declares them (rolename, principalType …); folded to lower case
  // when unquoted, so read both spellings.
  const pick = (row: Record<string, unknown>, name: string): unknown => row[name] ?? row[name.toLowerCase()];
  const principals: Principal[] = r.rows.map((row) => ({
    roleName: asText(pick(row, 'rolename')),
    principalType: asText(pick(row, 'principalType')),
    objectId: asText(pick(row, 'objectId')),
    tenantId: asText(pick(row, 'tenantId')),
    isMfa: asBool(pick(row, 'isMfa')),
    isAdmin: asBool(pick(row, 'isAdmin')),
  }));
  return { sql: SQL.listPrincipals, params, principals };
}

export async function whoAmI(db: Queryable): Promise<{ currentUser: string; sessionUser: string }> {
  const r = await db.query<{ current_user: string; session_user: string }>(SQL.whoAmI);
  const row = r.rows[0];
  return { currentUser: row?.current_user ?? '', sessionUser: row?.session_user ?? '' };
}
