// Tokens for the machine's managed identity via MSAL's ManagedIdentityApplication (IMDS, App
// Service, …). MSAL picks the source from environment variables once per process, so an app
// switching between App Service and IMDS needs separate processes.
import type { Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { redact } from '../log/redact.js';
import type { ManagedIdentitySelector, MsalApps } from './msalApps.js';
import { isNetworkFailure } from './msalErrors.js';
import type { AccessToken } from './tokenProvider.js';

export function describeIdentity(id: ManagedIdentitySelector): string {
  if (id.clientId) return `user-assigned identity (client id ${id.clientId})`;
  if (id.objectId) return `user-assigned identity (object id ${id.objectId})`;
  if (id.resourceId) return `user-assigned identity ${id.resourceId}`;
  return 'system-assigned identity';
}

export async function getManagedIdentityToken(apps: MsalApps, cloud: Cloud, id: ManagedIdentitySelector, forceRefresh = false): Promise<AccessToken> {
  const app = await apps.managedIdentity(cloud, id);
  try {
    const r = await app.acquireToken({ resource: cloud.resource, forceRefresh });
    if (!r.expiresOn) throw new PgEntraError('managed_identity_unavailable', 'The managed identity endpoint returned a token without expiry.');
    return { token: r.accessToken, expiresOn: r.expiresOn, ...(r.tenantId ? { tenantId: r.tenantId } : {}) };
  } catch (e) {
    if (e instanceof PgEntraError) throw e;
    const msg = redact((e as Error).message ?? String(e)).split('\n')[0] ?? '';
    if (isNetworkFailure(e)) {
      throw new PgEntraError('network_unavailable', `The managed identity endpoint (${app.getManagedIdentitySource()}) is unreachable: ${msg}`, {
        hint: 'Managed identities work only on Azure hosts (VM, App Service, …). Elsewhere use an interactive account or the Azure CLI.',
        cause: e,
      });
    }
    throw new PgEntraError('managed_identity_unavailable', `No token for the ${describeIdentity(id)}: ${msg}`, {
      hint: 'Check that the identity is assigned to this Azure resource and that the client/object/resource id is right.',
      details: { source: app.getManagedIdentitySource() },
      cause: e,
    });
  }
}
