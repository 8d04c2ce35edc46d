// The SDK's flexible-server and administrator models → pgEntra's AzureServer / EntraAdmin. The
// SDK's types promise more than a server (or a simulator, or a future API version) guarantees, so
// what is read here is validated with zod as unknown input: a field of an unexpected type reads
// as unknown, never as a crash; an entry without a usable id is skipped.
import { z } from 'zod';
import { AzureServerSchema, EntraAdminSchema, parseFlexibleServerId, type AzureServer, type EntraAdmin } from '../../shared/azure.js';

/** A string field, or null when absent or of another type. */
const str = z.string().nullable().optional().catch(null);

const ServerModel = z.looseObject({
  id: z.string().optional().catch(undefined),
  name: str,
  location: str,
  fullyQualifiedDomainName: str,
  version: str,
  state: str,
  administratorLogin: str,
  replicationRole: str,
  sku: z.looseObject({ name: str }).nullable().optional().catch(null),
  authConfig: z.looseObject({ activeDirectoryAuth: str, passwordAuth: str, tenantId: str }).nullable().optional().catch(null),
  network: z.looseObject({ publicNetworkAccess: str, delegatedSubnetResourceId: str }).nullable().optional().catch(null),
});

const AdminModel = z.looseObject({
  principalType: str,
  principalName: str,
  objectId: str,
  tenantId: str,
});

function toggle(v: string | null | undefined): 'enabled' | 'disabled' | 'unknown' {
  const s = (v ?? '').toLowerCase();
  return s === 'enabled' ? 'enabled' : s === 'disabled' ? 'disabled' : 'unknown';
}

/** An SDK `Server` (or anything) → AzureServer; undefined when it has no flexible-server resource id. */
export function toAzureServer(model: unknown): AzureServer | undefined {
  const parsed = ServerModel.safeParse(model);
  if (!parsed.success || !parsed.data.id) return undefined;
  const m = parsed.data;
  const id = parseFlexibleServerId(m.id ?? '');
  if (!id) return undefined;
  return AzureServerSchema.parse({
    id: m.id,
    // The id is authoritative for where the server lives; the name field should agree.
    name: id.name,
    subscriptionId: id.subscriptionId,
    resourceGroup: id.resourceGroup,
    location: m.location ?? '',
    fqdn: m.fullyQualifiedDomainName || null,
    version: m.version || null,
    state: m.state || null,
    sku: m.sku?.name || null,
    entraAuth: toggle(m.authConfig?.activeDirectoryAuth),
    passwordAuth: toggle(m.authConfig?.passwordAuth),
    entraTenantId: m.authConfig?.tenantId || null,
    publicNetworkAccess: toggle(m.network?.publicNetworkAccess),
    privateNetwork: Boolean(m.network?.delegatedSubnetResourceId),
    replicationRole: m.replicationRole || null,
    administratorLogin: m.administratorLogin || null,
  });
}

/** An SDK `AdministratorMicrosoftEntra` → EntraAdmin; undefined without a name or object id. */
export function toEntraAdmin(model: unknown): EntraAdmin | undefined {
  const parsed = AdminModel.safeParse(model);
  if (!parsed.success) return undefined;
  const m = parsed.data;
  if (!m.principalName || !m.objectId) return undefined;
  return EntraAdminSchema.parse({ principalType: m.principalType || 'Unknown', principalName: m.principalName, objectId: m.objectId, tenantId: m.tenantId || null });
}
