// How a connection gets its Entra token. Stored in profiles (no secrets: only which account,
// tenant or identity to use) and passed to the token broker.
import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a GUID like 00000000-0000-0000-0000-000000000000');

export const CredentialSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('interactive'),
    /** The signed-in account (UPN) whose token is used, e.g. the secondary admin ID. */
    account: z.string().min(1, 'choose the account to sign in with').optional(),
    /** Tenant id or domain; default `organizations`. */
    tenant: z.string().min(1).optional(),
  }),
  z.object({
    kind: z.literal('device-code'),
    account: z.string().min(1).optional(),
    tenant: z.string().min(1).optional(),
  }),
  z
    .object({
      kind: z.literal('managed-identity'),
      /** At most one of these: none = the system-assigned identity. */
      clientId: guid.optional(),
      objectId: guid.optional(),
      resourceId: z.string().startsWith('/subscriptions/', 'must be an Azure resource id starting with /subscriptions/').optional(),
    })
    .refine((c) => [c.clientId, c.objectId, c.resourceId].filter(Boolean).length <= 1, {
      message: 'give at most one of client id, object id or resource id for a user-assigned identity',
    }),
  z.object({
    kind: z.literal('azure-cli'),
    tenant: z.string().min(1).optional(),
  }),
]);
export type Credential = z.infer<typeof CredentialSchema>;
export type CredentialKind = Credential['kind'];
export const CREDENTIAL_KINDS = ['interactive', 'device-code', 'managed-identity', 'azure-cli'] as const satisfies readonly CredentialKind[];
