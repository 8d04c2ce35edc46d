// Azure clouds pgEntra can sign in to: the three national clouds built in, plus a custom cloud
// read from a JSON file (the simulator's state file has the same shape). Pure data + zod, no
// I/O, so the renderer can use it too; electron/base/cloudLoader.ts reads files.
import { z } from 'zod';

export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const DEFAULT_TENANT = 'organizations';

export interface Cloud {
  /** `public` | `usgov` | `china` | `custom:<file>` — stable key for caches and single-flight. */
  id: string;
  /** https origin of the Entra authority, without a trailing slash or tenant. */
  authorityHost: string;
  /** host[:port] values MSAL trusts without instance discovery. */
  knownAuthorities: string[];
  /**
   * Every `environment` MSAL may file this cloud's accounts and tokens under. Built-in clouds are
   * cached under MSAL's preferred cache alias (public: login.windows.net), not the host signed in
   * to, so a lookup by authority host alone finds a signed-in user signed out.
   */
  cacheEnvironments: string[];
  /**
   * Hosts (host[:port]) a sign-in page of this cloud may be on: MSAL builds the authorize URL on
   * the cloud's preferred network host, which for China is not the authority host
   * (login.chinacloudapi.cn → login.partner.microsoftonline.cn). The browser opens nothing else.
   */
  signInHosts: string[];
  /** The PostgreSQL AAD resource; the scope is always `<resource>/.default`. */
  resource: string;
  /** Host suffixes of flexible servers in this cloud (e.g. `.postgres.database.azure.com`). */
  postgresDomains: string[];
  /**
   * https origin of Azure Resource Manager (discovery, pre-flight checks, firewall rules); its
   * token scope is `<managementEndpoint>/.default`. Absent for a custom cloud whose file has none.
   */
  managementEndpoint?: string;
  /**
   * https origin of Microsoft Graph (PIM for Groups: eligible and active memberships, activation).
   * Absent for a custom cloud whose file has none.
   */
  graphEndpoint?: string;
  /**
   * Only on the token broker's per-resource view of a cloud: explicit delegated scopes to ask for
   * instead of `<resource>/.default` (Microsoft Graph's PIM permissions, requested incrementally).
   */
  scopes?: string[];
  /** Extra CA (PEM file) to trust for the authority, for private/test clouds. */
  caFile?: string;
  /** Client id to sign in with, when the cloud file names one. */
  clientId?: string;
  /** Default tenant for sign-in, when the cloud file names one. */
  tenantId?: string;
  /**
   * Custom clouds only: the file it was read from and SHA-256 (hex) of the exact bytes parsed, and
   * of its CA file when it names one (absent when the CA could not be read).
   */
  source?: { file: string; sha256: string; caSha256?: string };
  /**
   * Custom clouds only: the token-cache partition (its own keychain entry). Derived from the
   * file's path and content hashes, so no other cloud (built-in or custom) shares its tokens or
   * refresh tokens. Built-in clouds have none: they share the one default cache.
   */
  cachePartition?: string;
}

export const BUILTIN_CLOUD_NAMES = ['public', 'usgov', 'china'] as const;
export type BuiltinCloudName = (typeof BUILTIN_CLOUD_NAMES)[number];

export const BUILTIN_CLOUDS: Record<BuiltinCloudName, Cloud> = {
  public: {
    id: 'public',
    authorityHost: 'https://login.microsoftonline.com',
    knownAuthorities: ['login.microsoftonline.com'],
    // MSAL 7.2.3 / msal-common AuthorityMetadata: preferred cache alias login.windows.net.
    cacheEnvironments: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com', 'sts.windows.net'],
    // MSAL builds the authorize URL on the cloud's preferred network host (msal-common AuthorityMetadata).
    signInHosts: ['login.microsoftonline.com'],
    resource: 'https://ossrdbms-aad.database.windows.net',
    postgresDomains: ['.postgres.database.azure.com'],
    managementEndpoint: 'https://management.azure.com',
    graphEndpoint: 'https://graph.microsoft.com',
  },
  usgov: {
    id: 'usgov',
    authorityHost: 'https://login.microsoftonline.us',
    knownAuthorities: ['login.microsoftonline.us'],
    cacheEnvironments: ['login.microsoftonline.us', 'login.usgovcloudapi.net'],
    signInHosts: ['login.microsoftonline.us'],
    resource: 'https://ossrdbms-aad.database.usgovcloudapi.net',
    postgresDomains: ['.postgres.database.usgovcloudapi.net'],
    managementEndpoint: 'https://management.usgovcloudapi.net',
    graphEndpoint: 'https://graph.microsoft.us',
  },
  china: {
    id: 'china',
    authorityHost: 'https://login.chinacloudapi.cn',
    knownAuthorities: ['login.chinacloudapi.cn'],
    // MSAL signs in through and caches under login.partner.microsoftonline.cn.
    cacheEnvironments: ['login.partner.microsoftonline.cn', 'login.chinacloudapi.cn'],
    // The preferred network host, not the authority host: MSAL rewrites one into the other.
    signInHosts: ['login.partner.microsoftonline.cn'],
    resource: 'https://ossrdbms-aad.database.chinacloudapi.cn',
    postgresDomains: ['.postgres.database.chinacloudapi.cn'],
    managementEndpoint: 'https://management.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
  },
};

export function isBuiltinCloudName(name: string): name is BuiltinCloudName {
  return (BUILTIN_CLOUD_NAMES as readonly string[]).includes(name);
}

export function scopeFor(cloud: Pick<Cloud, 'resource'>): string {
  return `${cloud.resource.replace(/\/+$/, '')}/.default`;
}

/** The scopes a token for this (per-resource) cloud is asked with: its explicit ones, else `<resource>/.default`. */
export function scopesFor(cloud: Pick<Cloud, 'resource' | 'scopes'>): string[] {
  return cloud.scopes?.length ? [...cloud.scopes] : [scopeFor(cloud)];
}

/**
 * Microsoft Graph's delegated permissions for PIM for Groups, least privileged for self-activation
 * (Microsoft Graph permissions reference): read eligibilities, request and read assignments.
 */
export const GRAPH_PIM_PERMISSIONS = ['PrivilegedEligibilitySchedule.Read.AzureADGroup', 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup'] as const;

/** The Graph scopes for PIM (`<graphEndpoint>/<permission>`), or undefined when the cloud has no Graph. */
export function graphPimScopesFor(cloud: Pick<Cloud, 'graphEndpoint'>): string[] | undefined {
  const g = cloud.graphEndpoint?.replace(/\/+$/, '');
  return g ? GRAPH_PIM_PERMISSIONS.map((p) => `${g}/${p}`) : undefined;
}

/** The token scope for Azure Resource Manager: `<managementEndpoint>/.default` (undefined when the cloud has none). */
export function managementScopeFor(cloud: Pick<Cloud, 'managementEndpoint'>): string | undefined {
  return cloud.managementEndpoint ? `${cloud.managementEndpoint.replace(/\/+$/, '')}/.default` : undefined;
}

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

/** The custom-cloud file. Unknown keys are allowed (the simulator state file carries more). */
export const CustomCloudFileSchema = z.object({
  authorityHost: z
    .string()
    .url('must be a URL such as https://login.example.com')
    .refine((u) => u.startsWith('https://'), 'must use https (MSAL refuses other authorities)'),
  knownAuthorities: z.array(z.string().min(1)).min(1, 'list at least the authority host (host:port)').optional(),
  resource: z.string().url('must be the PostgreSQL resource URL, e.g. https://ossrdbms-aad.database.windows.net'),
  caFile: z.string().min(1).optional(),
  postgresDomains: z.array(z.string().min(1)).default([]),
  clientId: guid.optional(),
  tenantId: z.string().min(1).optional(),
  /** Azure Resource Manager's origin (discovery, firewall rules); without it those features are off for the cloud. */
  managementEndpoint: z
    .string()
    .url('must be a URL such as https://management.azure.com')
    .refine((u) => u.startsWith('https://'), 'must use https (the Azure Resource Manager token must never travel in clear)')
    .refine((u) => /^https:\/\/[^/?#]+\/?$/.test(u), 'must be an origin only (https://host[:port]), without a path')
    .optional(),
  /** Microsoft Graph's origin (PIM for Groups); without it PIM is off for the cloud. */
  graphEndpoint: z
    .string()
    .url('must be a URL such as https://graph.microsoft.com')
    .refine((u) => u.startsWith('https://'), 'must use https (the Graph token must never travel in clear)')
    .refine((u) => /^https:\/\/[^/?#]+\/?$/.test(u), 'must be an origin only (https://host[:port]), without a path')
    .optional(),
});
export type CustomCloudFile = z.infer<typeof CustomCloudFileSchema>;

/** Turns a parsed custom-cloud file into a Cloud. `id` should name the file it came from. */
export function cloudFromFile(file: CustomCloudFile, id: string): Cloud {
  const host = new URL(file.authorityHost);
  const knownAuthorities = file.knownAuthorities ?? [host.host];
  return {
    id,
    authorityHost: host.origin,
    knownAuthorities,
    // With knownAuthorities MSAL does no alias resolution: entries are filed under the host itself.
    cacheEnvironments: [...new Set([host.host, ...knownAuthorities])],
    // With knownAuthorities MSAL keeps the authority host in the authorize URL: nothing else opens.
    signInHosts: [host.host],
    resource: file.resource.replace(/\/+$/, ''),
    postgresDomains: file.postgresDomains,
    ...(file.caFile ? { caFile: file.caFile } : {}),
    ...(file.clientId ? { clientId: file.clientId } : {}),
    ...(file.tenantId ? { tenantId: file.tenantId } : {}),
    ...(file.managementEndpoint ? { managementEndpoint: new URL(file.managementEndpoint).origin } : {}),
    ...(file.graphEndpoint ? { graphEndpoint: new URL(file.graphEndpoint).origin } : {}),
  };
}

/** Human-readable list of zod issues: `field: message; field: message`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`).join('; ');
}
