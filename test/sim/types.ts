// The contract of the simulated Azure: the directory fixture both simulators read, and the
// state file `npm run sim -- --state FILE` writes (also accepted by the app as a custom cloud
// file). Everything read from disk is validated here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID');

const tenant = z.object({ id: uuid, domain: z.string().min(1), displayName: z.string().min(1) });
const person = {
  objectId: uuid,
  upn: z.string().min(3),
  displayName: z.string().min(1),
  mail: z.string().optional(),
};

/** Who a policy or an app assignment names: a UPN (home or `#EXT#`), a group's display name, or `All`. */
const principalNames = z.array(z.string().min(1));

/**
 * A Conditional Access policy of the resource tenant, in the spirit of Microsoft Graph's
 * conditionalAccessPolicy (state, users, cloud apps, client apps, one built-in grant control),
 * reduced to what the simulator enforces. The simulated devices are never compliant.
 */
export const ConditionalAccessPolicySchema = z.object({
  id: uuid,
  displayName: z.string().min(1),
  /** Graph's values; report-only policies are never enforced. */
  state: z.enum(['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
  users: z.object({ include: principalNames.min(1), exclude: principalNames.optional() }),
  /** Resource URIs (`https://management.azure.com`, `https://ossrdbms-aad.database.windows.net`) or `All`; omitted = All. */
  resources: z.object({ include: z.array(z.string().min(1)).min(1), exclude: z.array(z.string().min(1)).optional() }).optional(),
  /** Client application ids it applies to; omitted = every client. */
  clients: z.array(uuid).optional(),
  /** Graph's built-in grant controls: require MFA, block, require a compliant device. */
  grant: z.enum(['mfa', 'block', 'compliantDevice']),
});
export type ConditionalAccessPolicy = z.infer<typeof ConditionalAccessPolicySchema>;

/**
 * A public client registered in the tenant, with its enterprise app's sign-in settings. Omitted
 * settings are the permissive defaults (no assignment required, admin consent granted).
 */
const client = z.object({
  clientId: uuid,
  displayName: z.string().min(1),
  /** "Assignment required?": only `assignedUsers` may sign in (AADSTS50105 for others). */
  assignmentRequired: z.boolean().optional(),
  assignedUsers: principalNames.optional(),
  /** false: no admin consent for its permissions, so each user consents once (AADSTS65001 until then). Default true. */
  adminConsented: z.boolean().optional(),
  /** The tenant lets users consent to it themselves; false = only an admin can (AADSTS90094 page). Default true. */
  userConsentAllowed: z.boolean().optional(),
  /**
   * Microsoft Graph delegated permissions an administrator granted this app for everyone (its API
   * permissions with "Grant admin consent"), e.g. PIM for Groups'. Others need consent when asked
   * for. Default none. (The Azure CLI's id is first-party: preauthorized instead, see FIDELITY.md.)
   */
  graphPermissions: z.array(z.string().min(1)).optional(),
});

/** ISO 8601 durations as PIM writes them (PT8H, PT30M, P1D): days, hours, minutes, seconds. */
export const IsoDurationSchema = z.string().regex(/^P(?:\d+W|(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?)$/, 'must be an ISO 8601 duration such as PT8H');

/**
 * A group's PIM policy for activating its membership (what Graph's unifiedRoleManagementPolicy
 * rules for `member`, caller EndUser, level Assignment say), flattened. Omitted: PIM's defaults
 * as the simulator has them (8 hours, justification required, nothing else).
 */
export const PimPolicySchema = z.object({
  /** Expiration_EndUser_Assignment.maximumDuration. */
  maximumDuration: IsoDurationSchema.default('PT8H'),
  /** Enablement_EndUser_Assignment: Justification. */
  justificationRequired: z.boolean().default(true),
  /** Enablement_EndUser_Assignment: Ticketing (ticket number and system). */
  ticketingRequired: z.boolean().default(false),
  /** Enablement_EndUser_Assignment: MultiFactorAuthentication (the token's amr must name mfa). */
  mfaRequired: z.boolean().default(false),
  /** AuthenticationContext_EndUser_Assignment: the Conditional Access authentication context (`c1`…) the token's acrs must carry. */
  authenticationContext: z
    .string()
    .regex(/^c\d{1,2}$/, 'an authentication context id such as c1')
    .nullable()
    .default(null),
  /** Approval_EndUser_Assignment: requests wait for an approver (PendingApproval). */
  approvalRequired: z.boolean().default(false),
  /** The approvers (UPNs) Graph lists in the approval rule. */
  approvers: z.array(z.string().min(1)).default([]),
});
export type PimPolicy = z.infer<typeof PimPolicySchema>;
export type PimPolicyInput = z.input<typeof PimPolicySchema>;

/** Privileged Identity Management for Groups in the resource tenant: per-group policies and who is eligible. */
const pimSection = z.object({
  policies: z.array(PimPolicySchema.extend({ group: z.string().min(1) })).default([]),
  /** An eligible principal is not a member until it activates (a permanent membership in `groups` is dropped). */
  eligibilities: z
    .array(
      z.object({
        /** A user's UPN in the resource tenant. */
        principal: z.string().min(3),
        group: z.string().min(1),
        /** When the eligibility ends (ISO date-time); omitted = permanently eligible. */
        endDateTime: z.iso.datetime().optional(),
      }),
    )
    .default([]),
});

/**
 * `tenant` is the resource tenant (the flexible server's): its `users` are members and guests.
 * `externalTenants` are the home tenants of those guests; their users sign in there and appear
 * in the resource tenant only through a guest object (`guest: true`, `homeUpn`).
 */
export const DirectorySchema = z
  .object({
    tenant,
    users: z.array(
      z.object({
        ...person,
        guest: z.boolean().optional(),
        /** Guests: the UPN of their home account in one of `externalTenants`. */
        homeUpn: z.string().optional(),
      }),
    ),
    externalTenants: z.array(tenant.extend({ users: z.array(z.object(person)) })).default([]),
    groups: z.array(
      z.object({
        objectId: uuid,
        displayName: z.string().min(1),
        members: z.array(uuid),
        /** The group set as the server's Microsoft Entra admin (exists as a principal at start). */
        entraAdmin: z.boolean().optional(),
      }),
    ),
    managedIdentities: z.array(
      z.object({
        name: z.string().min(1),
        kind: z.enum(['system', 'user']),
        objectId: uuid,
        clientId: uuid,
        resourceId: z.string().min(1),
      }),
    ),
    servicePrincipals: z.array(z.object({ displayName: z.string().min(1), objectId: uuid, appId: uuid })),
    /** Public client applications registered in the tenant (the Azure CLI id is always accepted). */
    clients: z.array(client),
    /** The resource tenant's Conditional Access policies (the default directory has none enabled). */
    conditionalAccess: z.array(ConditionalAccessPolicySchema).default([]),
    /** PIM for Groups (the default directory declares none: db-admins' members are permanent). */
    pim: pimSection.default({ policies: [], eligibilities: [] }),
  })
  .superRefine((dir, ctx) => {
    const homeUpns = new Set(dir.externalTenants.flatMap((t) => t.users.map((u) => u.upn.toLowerCase())));
    dir.users.forEach((u, i) => {
      if ((u.guest ?? false) !== (u.homeUpn !== undefined)) ctx.addIssue({ code: 'custom', path: ['users', i, 'homeUpn'], message: 'a guest needs homeUpn, and only guests have one' });
      else if (u.homeUpn !== undefined && !homeUpns.has(u.homeUpn.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['users', i, 'homeUpn'], message: `no user ${u.homeUpn} in externalTenants` });
    });
    // PIM names must exist: a typo would silently make nobody eligible.
    const groupNames = new Set(dir.groups.map((g) => g.displayName));
    const upns = new Set(dir.users.map((u) => u.upn.toLowerCase()));
    dir.pim.policies.forEach((p, i) => {
      if (!groupNames.has(p.group)) ctx.addIssue({ code: 'custom', path: ['pim', 'policies', i, 'group'], message: `no group ${p.group}` });
      p.approvers.forEach((a, j) => {
        if (!upns.has(a.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['pim', 'policies', i, 'approvers', j], message: `no user ${a}` });
      });
    });
    dir.pim.eligibilities.forEach((e, i) => {
      if (!groupNames.has(e.group)) ctx.addIssue({ code: 'custom', path: ['pim', 'eligibilities', i, 'group'], message: `no group ${e.group}` });
      if (!upns.has(e.principal.toLowerCase())) ctx.addIssue({ code: 'custom', path: ['pim', 'eligibilities', i, 'principal'], message: `no user ${e.principal}` });
    });
  });
export type Directory = z.infer<typeof DirectorySchema>;

export const DEFAULT_DIRECTORY_FILE = fileURLToPath(new URL('./directory.json', import.meta.url));

export function loadDirectory(file: string = DEFAULT_DIRECTORY_FILE): Directory {
  return DirectorySchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Well-known ids the tests use by name. */
export const ACCOUNTS = {
  primary: 'alice@contoso.example',
  secondary: 'adm-alice@contoso.example',
  /** Bob's guest object in the resource tenant (the database role is named after it). */
  guest: 'bob_fabrikam.example#EXT#@contoso.example',
  /** Bob's home account in fabrikam.example: the name he signs in with. */
  guestHome: 'bob@fabrikam.example',
  /** A fabrikam.example user who is not a guest in the resource tenant. */
  external: 'dave@fabrikam.example',
  nonMember: 'carol@contoso.example',
  adminGroup: 'db-admins',
  readerGroup: 'db-readers',
  systemIdentity: 'vm-app-01',
  userIdentity: 'id-reporting',
  servicePrincipal: 'sp-etl',
} as const;

export const AZURE_CLI_CLIENT_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';
export const POSTGRES_RESOURCE = 'https://ossrdbms-aad.database.windows.net';

/**
 * The state file. It is also a valid pgEntra custom-cloud file: authorityHost, resource,
 * caFile, knownAuthorities, postgresDomains, managementEndpoint and graphEndpoint are what the app reads from it.
 */
export const SimStateSchema = z.object({
  authorityHost: z.string().url(),
  knownAuthorities: z.array(z.string().min(1)),
  tenantId: uuid,
  tenantDomain: z.string(),
  clientId: uuid,
  resource: z.string().url(),
  caFile: z.string().min(1),
  /** Host names (or suffixes) the simulated PostgreSQL servers live under. */
  postgresDomains: z.array(z.string().min(1)),
  server: z.object({
    host: z.string(),
    port: z.number().int(),
    /** A non-Entra superuser with password auth, for test setup only. */
    adminUser: z.string(),
    adminPassword: z.string(),
  }),
  /**
   * Azure Resource Manager's origin (a custom-cloud key: the product's ARM token scope is
   * `<managementEndpoint>/.default`): `https://localhost:PORT`, or https://management.azure.com in
   * the public-cloud mode.
   */
  managementEndpoint: z.string().url(),
  /**
   * Microsoft Graph's origin (a custom-cloud key: PIM for Groups; the product asks for
   * `<graphEndpoint>/<permission>` scopes): `https://localhost:PORT`, or https://graph.microsoft.com
   * in the public-cloud mode.
   */
  graphEndpoint: z.string().url(),
  /** Value for AZURE_POD_IDENTITY_AUTHORITY_HOST (plain HTTP, like the real IMDS). */
  imdsEndpoint: z.string().url(),
  /** App Service managed identity: IDENTITY_ENDPOINT and IDENTITY_HEADER values. */
  appService: z.object({ endpoint: z.string().url(), header: z.string() }),
  accounts: z.array(z.object({ upn: z.string(), objectId: uuid, displayName: z.string() })),
  groups: z.array(z.object({ displayName: z.string(), objectId: uuid })),
  managedIdentities: z.array(z.object({ name: z.string(), kind: z.enum(['system', 'user']), objectId: uuid, clientId: uuid, resourceId: z.string() })),
  pid: z.number().int(),
});
export type SimState = z.infer<typeof SimStateSchema>;
