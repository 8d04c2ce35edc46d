// What pgEntra learns about flexible servers from Azure Resource Manager (ARM), as plain data
// both the main process and the renderer use: subscriptions, servers with their Entra and network
// settings, their Entra admins, and the pre-flight findings a connection shows. Everything ARM
// returns is validated into these shapes in electron/azure/ before it goes anywhere else.
import { z } from 'zod';

/** `/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/{name}` (case-insensitive, as ARM). */
export const FLEXIBLE_SERVER_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DBforPostgreSQL\/flexibleServers\/([^/]+)$/i;

export const FlexibleServerIdSchema = z
  .string()
  .max(1024)
  .regex(FLEXIBLE_SERVER_ID, 'must be a flexible server resource id: /subscriptions/…/resourceGroups/…/providers/Microsoft.DBforPostgreSQL/flexibleServers/NAME');

export function parseFlexibleServerId(id: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = FLEXIBLE_SERVER_ID.exec(id);
  return m?.[1] && m[2] && m[3] ? { subscriptionId: m[1], resourceGroup: m[2], name: m[3] } : undefined;
}

export const AzureSubscriptionSchema = z.object({
  subscriptionId: z.string(),
  displayName: z.string(),
  /** Enabled | Warned | PastDue | Disabled | Deleted */
  state: z.string(),
  tenantId: z.string().nullable(),
});
export type AzureSubscription = z.infer<typeof AzureSubscriptionSchema>;

const Toggle = z.enum(['enabled', 'disabled', 'unknown']);

export const AzureServerSchema = z.object({
  /** The ARM resource id. */
  id: z.string(),
  name: z.string(),
  subscriptionId: z.string(),
  resourceGroup: z.string(),
  location: z.string(),
  /** NAME.postgres.database.azure.com; null while the server is being created. */
  fqdn: z.string().nullable(),
  version: z.string().nullable(),
  /** Ready | Stopped | Starting | Stopping | Updating | Disabled | Dropping … */
  state: z.string().nullable(),
  sku: z.string().nullable(),
  entraAuth: Toggle,
  passwordAuth: Toggle,
  /** The tenant whose Entra principals the server accepts. */
  entraTenantId: z.string().nullable(),
  publicNetworkAccess: Toggle,
  /** VNet-integrated (delegated subnet): reachable only from that network. */
  privateNetwork: z.boolean(),
  /** Primary | AsyncReplica | GeoAsyncReplica | None */
  replicationRole: z.string().nullable(),
  /** The password admin's login name (not an Entra principal). */
  administratorLogin: z.string().nullable(),
});
export type AzureServer = z.infer<typeof AzureServerSchema>;

export const EntraAdminSchema = z.object({
  /** User | Group | ServicePrincipal */
  principalType: z.string(),
  /** The PostgreSQL role name: a UPN, a group's or an identity's display name. */
  principalName: z.string(),
  objectId: z.string(),
  tenantId: z.string().nullable(),
});
export type EntraAdmin = z.infer<typeof EntraAdminSchema>;

/** Something that did not stop the whole answer: one subscription unreadable (403), a throttled call … */
export const AzureNoteSchema = z.object({
  subscriptionId: z.string().nullable(),
  /** `forbidden` (RBAC), `unavailable` (network/5xx), `throttled` … */
  code: z.string(),
  message: z.string(),
});
export type AzureNote = z.infer<typeof AzureNoteSchema>;

export const ServerListingSchema = z.object({
  subscriptions: z.array(AzureSubscriptionSchema),
  servers: z.array(AzureServerSchema),
  notes: z.array(AzureNoteSchema),
});
export type ServerListing = z.infer<typeof ServerListingSchema>;

export const FINDING_IDS = [
  'server_not_found', // no flexible server with that name/host in the subscriptions the account can read
  'server_stopped', // state is not Ready
  'entra_disabled', // authConfig.activeDirectoryAuth is Disabled
  'not_entra_admin', // the username is no Entra admin; it must have been created as a principal
  'private_network', // VNet-integrated or public access disabled: DNS/VPN needed
  'firewall_blocked', // the login was refused with `no pg_hba.conf entry for host "<ip>"`
  'azure_unavailable', // ARM could not be asked (403, network): a note, not a failure
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

export const AllowMyIpFixSchema = z.object({
  kind: z.literal('allow-my-ip'),
  /** The address the server saw (from its refusal) — never guessed. */
  ip: z.string(),
  ruleName: z.string(),
});

export const PreflightFindingSchema = z.object({
  id: z.enum(FINDING_IDS),
  /** error: the connection cannot work as is; warning: it may not; info: for the record. */
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  /** What the person can do. */
  action: z.string(),
  fix: AllowMyIpFixSchema.optional(),
});
export type PreflightFinding = z.infer<typeof PreflightFindingSchema>;

export const ServerCheckSchema = z.object({
  server: AzureServerSchema.nullable(),
  /** null when ARM did not say (403 on the administrators list, server not found). */
  admins: z.array(EntraAdminSchema).nullable(),
  findings: z.array(PreflightFindingSchema),
});
export type ServerCheck = z.infer<typeof ServerCheckSchema>;

export const UsernameChoiceSchema = z.object({
  username: z.string(),
  /** Why it is proposed: `admin-user` (the account is a User admin), `admin-group` (a Group admin the account is in), `admin-group-unverified`, `account`. */
  reason: z.enum(['admin-user', 'admin-group', 'admin-group-unverified', 'account']),
  label: z.string(),
});
export type UsernameChoice = z.infer<typeof UsernameChoiceSchema>;

/** Firewall rule names ARM accepts: letters, digits, `-`, `_`, `.`, at most 128. */
export const FIREWALL_RULE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** pgEntra's name for a one-address rule: `pgentra-203-0-113-7`. */
export function firewallRuleNameFor(ip: string): string {
  return `pgentra-${ip.replace(/[^0-9A-Za-z]/g, '-')}`;
}
