// Entra admin helpers on a session's server: list Entra principals, create one for a user,
// group, service principal or managed identity (by name or with its object id), and "verify
// access" for a managed identity. Every action shows the SQL it runs.
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { CreatePrincipalInput, ListPrincipalsResult, VerifyAccessResult } from '../../../shared/ipcSessions.js';
import { call, errorPayloadOf } from '../../base/api.js';
import { Dialog } from '../../ui/Dialog.js';
import { Field } from '../../ui/Field.js';
import { ErrorAlert } from '../../ui/Alert.js';

type PrincipalKind = 'user' | 'group' | 'service-principal' | 'managed-identity';
const OBJECT_TYPE: Record<PrincipalKind, 'user' | 'group' | 'service'> = { user: 'user', group: 'group', 'service-principal': 'service', 'managed-identity': 'service' };

function previewSql(byObjectId: boolean): string {
  return byObjectId ? 'select * from pgaadauth_create_principal_with_oid($1, $2, $3, $4, $5)' : 'select * from pgaadauth_create_principal($1, $2, $3)';
}

function SqlBlock({ sql, params }: { sql: string; params?: ReadonlyArray<string | boolean> }): ReactNode {
  return (
    <pre className="sql-preview" aria-label="SQL that runs">
      {sql}
      {params?.length ? `\n-- parameters: ${params.map((p) => JSON.stringify(p)).join(', ')}` : ''}
    </pre>
  );
}

export function EntraAdminDialog({ sessionId, serverName, onClose }: { sessionId: string; serverName: string; onClose: () => void }): ReactNode {
  const [list, setList] = useState<ListPrincipalsResult | null>(null);
  const [listError, setListError] = useState<string | null>(null);
  const [kind, setKind] = useState<PrincipalKind>('group');
  const [byObjectId, setByObjectId] = useState(false);
  const [roleName, setRoleName] = useState('');
  const [objectId, setObjectId] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [isMfa, setIsMfa] = useState(false);
  const [createResult, setCreateResult] = useState<{ ok: boolean; text: string; sql?: string; params?: ReadonlyArray<string | boolean> } | null>(null);
  const [miName, setMiName] = useState('');
  const [miClientId, setMiClientId] = useState('');
  const [verify, setVerify] = useState<VerifyAccessResult | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    setListError(null);
    try {
      setList(await call('admin.listPrincipals', { sessionId }));
    } catch (e) {
      setListError(errorPayloadOf(e).message);
    }
  }, [sessionId]);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const create = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setCreateResult(null);
    const input: CreatePrincipalInput = byObjectId
      ? { sessionId, by: 'objectId', roleName: roleName.trim(), objectId: objectId.trim(), objectType: OBJECT_TYPE[kind], isAdmin, isMfa }
      : { sessionId, by: 'name', roleName: roleName.trim(), isAdmin, isMfa };
    try {
      const r = await call('admin.createPrincipal', input);
      setCreateResult({ ok: true, text: r.message, sql: r.sql, params: r.params });
      await refresh();
    } catch (err) {
      const p = errorPayloadOf(err);
      setCreateResult({ ok: false, text: `${p.message}${p.hint ? ` ${p.hint}` : ''}` });
    } finally {
      setBusy(false);
    }
  };

  const verifyAccess = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setVerify(null);
    setVerifyError(null);
    try {
      setVerify(await call('admin.verifyAccess', { sessionId, roleName: miName.trim(), credential: { kind: 'managed-identity', ...(miClientId.trim() ? { clientId: miClientId.trim() } : {}) } }));
    } catch (err) {
      setVerifyError(errorPayloadOf(err).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Entra admin — ${serverName}`} onClose={onClose} wide name="entra-admin">
      <section className="stack tight" aria-labelledby="principals-title">
        <div className="row">
          <h3 id="principals-title">Entra principals</h3>
          <span className="spacer" />
          <button type="button" className="small" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
        {listError ? <ErrorAlert>{listError}</ErrorAlert> : null}
        {list ? (
          <>
            <table className="principals">
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Type</th>
                  <th scope="col">Object id</th>
                  <th scope="col">Admin</th>
                  <th scope="col">MFA</th>
                </tr>
              </thead>
              <tbody>
                {list.principals.map((p) => (
                  <tr key={p.roleName}>
                    <td>{p.roleName}</td>
                    <td>{p.principalType}</td>
                    <td className="mono">{p.objectId}</td>
                    <td>{p.isAdmin ? 'yes' : 'no'}</td>
                    <td>{p.isMfa ? 'yes' : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <SqlBlock sql={list.sql} params={list.params} />
          </>
        ) : listError ? null : (
          <p className="muted">Loading…</p>
        )}
      </section>
      <hr className="sep" />
      <form className="stack tight" aria-labelledby="create-title" onSubmit={(e) => void create(e)}>
        <h3 id="create-title">Create a principal</h3>
        <div className="form-grid">
          <Field label="Kind">
            <select value={kind} onChange={(e) => setKind(e.target.value as PrincipalKind)}>
              <option value="user">User</option>
              <option value="group">Group</option>
              <option value="service-principal">Service principal</option>
              <option value="managed-identity">Managed identity</option>
            </select>
          </Field>
          <Field label="Role name" help={kind === 'user' ? 'The user’s UPN (guests: the full #EXT# UPN).' : 'The exact display name (case-sensitive).'}>
            <input type="text" value={roleName} onChange={(e) => setRoleName(e.target.value)} spellCheck={false} />
          </Field>
          <label className="check plain span-2">
            <input type="checkbox" checked={byObjectId} onChange={(e) => setByObjectId(e.target.checked)} />
            <span>Give the object id (when the name is not unique, or for a managed identity’s principal)</span>
          </label>
          {byObjectId ? (
            <Field label="Object id" className="span-2">
              <input type="text" value={objectId} onChange={(e) => setObjectId(e.target.value)} spellCheck={false} placeholder="00000000-0000-0000-0000-000000000000" />
            </Field>
          ) : null}
          <label className="check plain">
            <input type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.target.checked)} />
            <span>Entra admin (azure_pg_admin)</span>
          </label>
          <label className="check plain">
            <input type="checkbox" checked={isMfa} onChange={(e) => setIsMfa(e.target.checked)} />
            <span>Require MFA</span>
          </label>
        </div>
        <SqlBlock sql={previewSql(byObjectId)} />
        <div className="row">
          <button type="submit" className="primary" disabled={busy || roleName.trim() === '' || (byObjectId && objectId.trim() === '')}>
            Create principal
          </button>
        </div>
        {createResult ? (
          <div className={`alert ${createResult.ok ? 'success' : 'error'}`} role={createResult.ok ? 'status' : 'alert'}>
            <p>{createResult.text}</p>
            {createResult.sql ? <SqlBlock sql={createResult.sql} params={createResult.params} /> : null}
          </div>
        ) : null}
      </form>
      <hr className="sep" />
      <form className="stack tight" aria-labelledby="verify-title" onSubmit={(e) => void verifyAccess(e)}>
        <h3 id="verify-title">Verify access for a managed identity</h3>
        <p className="muted">Logs in as the identity with its own token (from this machine’s managed identity endpoint) and asks the server who it is.</p>
        <div className="form-grid">
          <Field label="Identity’s role name">
            <input type="text" value={miName} onChange={(e) => setMiName(e.target.value)} spellCheck={false} />
          </Field>
          <Field label="Client id (user-assigned)" help="Empty for the system-assigned identity.">
            <input type="text" value={miClientId} onChange={(e) => setMiClientId(e.target.value)} spellCheck={false} />
          </Field>
        </div>
        <div className="row">
          <button type="submit" disabled={busy || miName.trim() === ''}>
            Verify access
          </button>
        </div>
        {verify ? (
          <div className={`alert ${verify.granted ? 'success' : 'error'}`} role="status">
            <p>
              {verify.granted
                ? `Access granted: logged in as ${verify.currentUser ?? verify.roleName}.`
                : `Access refused for ${verify.roleName}: ${verify.error?.message ?? 'unknown reason'}${verify.error?.hint ? ` ${verify.error.hint}` : ''}`}
            </p>
            <SqlBlock sql={verify.sql} params={verify.params} />
          </div>
        ) : null}
        {verifyError ? <ErrorAlert>{verifyError}</ErrorAlert> : null}
      </form>
    </Dialog>
  );
}
