// What the flexible server has inside the `postgres` database: the azure_pg_admin role, the
// pgaadauth_* functions (in pg_catalog, where Microsoft's docs call them), and the sim's own
// bookkeeping (a copy of the directory and the list of Entra principals) in the `pgaadauth`
// schema. Applied once at start by the internal superuser (Azure's `azuresu`) over the socket.
import type { Directory } from '../types.js';

export interface DirectoryRow {
  object_id: string;
  object_type: 'user' | 'group' | 'service';
  name: string;
}

/** Every name `pgaadauth_create_principal` can resolve: user UPN, group, identity, app. */
export function directoryRows(dir: Directory): DirectoryRow[] {
  return [
    ...dir.users.map((u) => ({ object_id: u.objectId, object_type: 'user' as const, name: u.upn })),
    ...dir.groups.map((g) => ({ object_id: g.objectId, object_type: 'group' as const, name: g.displayName })),
    ...dir.managedIdentities.map((m) => ({ object_id: m.objectId, object_type: 'service' as const, name: m.name })),
    ...dir.servicePrincipals.map((s) => ({ object_id: s.objectId, object_type: 'service' as const, name: s.displayName })),
  ];
}

// Wording from real servers where known (see shared/reference/azure-entra-postgres.md).
export const SCHEMA_SQL = String.raw`
CREATE ROLE azure_pg_admin NOLOGIN CREATEROLE CREATEDB;
-- Admins can create objects in the postgres database (since PostgreSQL 15 PUBLIC may not).
GRANT CREATE ON SCHEMA public TO azure_pg_admin;

CREATE SCHEMA pgaadauth;
REVOKE ALL ON SCHEMA pgaadauth FROM PUBLIC;

CREATE TABLE pgaadauth.settings (tenant_id text NOT NULL);

CREATE TABLE pgaadauth.directory (
  object_id   text NOT NULL,
  object_type text NOT NULL CHECK (object_type IN ('user', 'group', 'service')),
  name        text NOT NULL,
  PRIMARY KEY (object_id)
);

CREATE TABLE pgaadauth.principals (
  rolename       name PRIMARY KEY,
  principal_type text NOT NULL CHECK (principal_type IN ('user', 'group', 'service')),
  object_id      text NOT NULL,
  tenant_id      text NOT NULL,
  is_mfa         boolean NOT NULL,
  is_admin       boolean NOT NULL
);

-- The password admin, as Azure creates it: no superuser, but CREATEDB, CREATEROLE, azure_pg_admin
-- (Microsoft Learn's "built-in server roles" page lists REPLICATION too).
CREATE FUNCTION pgaadauth.create_password_admin(role_name text, password text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE REPLICATION PASSWORD %L', role_name, password);
  EXECUTE format('GRANT azure_pg_admin TO %I', role_name);
END $$;

-- Only the server admin (azure_pg_admin members) or a superuser may manage Entra principals.
CREATE FUNCTION pgaadauth.check_caller() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
     AND NOT pg_has_role(session_user, 'azure_pg_admin', 'MEMBER') THEN
    RAISE EXCEPTION 'permission denied: only members of azure_pg_admin can manage Microsoft Entra principals'
      USING ERRCODE = '42501';
  END IF;
END $$;

CREATE FUNCTION pgaadauth.register(role_name text, oid text, otype text, is_admin boolean, is_mfa boolean) RETURNS text
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
  tid text := (SELECT tenant_id FROM pgaadauth.settings LIMIT 1);
BEGIN
  EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER INHERIT', role_name);
  IF is_admin THEN
    -- Entra admins get what the password admin has.
    EXECUTE format('ALTER ROLE %I CREATEDB CREATEROLE', role_name);
    EXECUTE format('GRANT azure_pg_admin TO %I', role_name);
  END IF;
  -- Real servers keep this as a SECURITY LABEL (provider pgaadauth); a comment is the closest
  -- thing without the provider, and shows up in \du+.
  EXECUTE format('COMMENT ON ROLE %I IS %L', role_name,
    'aadauth,oid=' || oid || ',type=' || otype || CASE WHEN is_admin THEN ',admin' ELSE '' END);
  DELETE FROM pgaadauth.principals WHERE rolename = role_name;
  INSERT INTO pgaadauth.principals VALUES (role_name, otype, oid, tid, is_mfa, is_admin);
  RETURN format('Created role for "%s"', role_name);
END $$;

CREATE FUNCTION pg_catalog.pgaadauth_create_principal(roleName text, isAdmin boolean, isMfa boolean) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  d record;
BEGIN
  PERFORM pgaadauth.check_caller();
  -- Names are case-sensitive, like the real service.
  SELECT * INTO d FROM pgaadauth.directory WHERE name = roleName
    ORDER BY CASE object_type WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END LIMIT 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Could not validate AAD user % because its name is not found in the tenant.', roleName;
  END IF;
  RETURN pgaadauth.register(roleName, d.object_id, d.object_type, isAdmin, isMfa);
END $$;

CREATE FUNCTION pg_catalog.pgaadauth_create_principal_with_oid(roleName text, objectId text, objectType text, isAdmin boolean, isMfa boolean) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  PERFORM pgaadauth.check_caller();
  IF objectType IS NULL OR objectType NOT IN ('user', 'group', 'service') THEN
    RAISE EXCEPTION 'Invalid objectType "%": expected user, group or service.', objectType USING ERRCODE = '22023';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pgaadauth.directory WHERE object_id = lower(objectId) AND object_type = objectType) THEN
    RAISE EXCEPTION 'Could not validate AAD user % because its name is not found in the tenant.', objectId;
  END IF;
  RETURN pgaadauth.register(roleName, lower(objectId), objectType, isAdmin, isMfa);
END $$;

CREATE FUNCTION pg_catalog.pgaadauth_list_principals(isAdminValue boolean)
RETURNS TABLE(rolename name, principalType text, objectId text, tenantId text, isMfa integer, isAdmin integer)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT p.rolename, p.principal_type, p.object_id, p.tenant_id, p.is_mfa::integer, p.is_admin::integer
  FROM pgaadauth.principals p JOIN pg_roles r ON r.rolname = p.rolename
  WHERE NOT isAdminValue OR p.is_admin
  ORDER BY p.rolename
$$;
`;

/** How the front end reads a principal at login (internal superuser connection). */
export const PRINCIPAL_LOOKUP_SQL = `
SELECT p.principal_type, p.object_id, p.is_mfa
FROM pgaadauth.principals p JOIN pg_roles r ON r.rolname = p.rolename
WHERE p.rolename = $1`;

/** Ends every client session but the simulator's own ($1 = the internal superuser): each gets FATAL 57P01. */
export const TERMINATE_CLIENT_SESSIONS_SQL = `
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND usename IS DISTINCT FROM $1`;
