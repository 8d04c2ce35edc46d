// Who may log in as which Entra role, and what the server says when they may not. Pure logic:
// the front end supplies the principal row and the validated token.
import type { AccessTokenClaims, TokenFailure } from './tokens.js';

export interface Principal {
  rolename: string;
  principalType: 'user' | 'group' | 'service';
  objectId: string;
  isMfa: boolean;
}

export interface LoginRejection {
  sqlstate: string;
  message: string;
}

// Texts seen from real flexible servers (shared/reference/azure-entra-postgres.md).
export const MESSAGES = {
  expired: 'The access token has expired. Acquire a new token and try again.',
  audience: (resource: string): string =>
    `The access token does not have a valid audience claim. Please acquire a new token for the resource "${resource}".`,
  format:
    'The access token has invalid format. Please ensure the token is passed exactly as returned by the authentication endpoint and retry.',
  oid: "The access token doesn't have a valid oid claim. Acquire a new token and try again",
  passwordFailed: (user: string): string => `password authentication failed for user "${user}"`,
  userTokenForService: (role: string): string =>
    `Microsoft Entra user token for role "${role}" is neither an AAD_AUTH_TOKENTYPE_APP_USER or an AAD_AUTH_TOKENTYPE_APP_OBO token.`,
  // Plain PostgreSQL's pg_hba text: flexible servers enforce TLS through hostssl-only rules.
  noEncryption: (user: string, database: string): string =>
    `no pg_hba.conf entry for host "127.0.0.1", user "${user}", database "${database}", no encryption`,
} as const;

const INVALID_AUTHORIZATION = '28000';
const INVALID_PASSWORD = '28P01';

export function tokenRejection(reason: TokenFailure, resource: string): LoginRejection {
  switch (reason) {
    case 'expired':
      return { sqlstate: INVALID_AUTHORIZATION, message: MESSAGES.expired };
    case 'audience':
      return { sqlstate: INVALID_AUTHORIZATION, message: MESSAGES.audience(resource) };
    case 'oid':
      return { sqlstate: INVALID_AUTHORIZATION, message: MESSAGES.oid };
    case 'keys-unavailable':
      // Sim-only: the Entra simulator's JWKS could not be fetched.
      return { sqlstate: '08006', message: 'Could not validate the access token: the token signing keys are unavailable.' };
    // Real text for a foreign tenant/issuer is unconfirmed; treated as a malformed token.
    case 'issuer':
    case 'format':
      return { sqlstate: INVALID_AUTHORIZATION, message: MESSAGES.format };
  }
}

/** A user token (as opposed to an app / managed identity token). */
function isUserToken(c: AccessTokenClaims): boolean {
  return c.idtyp === 'user' || (c.idtyp === undefined && typeof c.upn === 'string');
}

/** Role-to-identity mapping: undefined = admitted. Names and ids compare as the service does. */
export function checkPrincipal(p: Principal, c: AccessTokenClaims): LoginRejection | undefined {
  const denied: LoginRejection = { sqlstate: INVALID_PASSWORD, message: MESSAGES.passwordFailed(p.rolename) };
  const oid = (c.oid ?? '').toLowerCase();
  const pid = p.objectId.toLowerCase();
  if (p.isMfa && !(c.amr ?? []).includes('mfa')) return denied; // real text unconfirmed
  switch (p.principalType) {
    case 'user':
      // Case-sensitive role name = UPN, and the object id must be the one recorded at creation
      // (a user deleted and re-created under the same UPN cannot use the old role).
      return c.upn === p.rolename && oid === pid ? undefined : denied;
    case 'group':
      return (c.groups ?? []).some((g) => g.toLowerCase() === pid) ? undefined : denied;
    case 'service':
      if (oid === pid) return undefined;
      if (isUserToken(c)) return { sqlstate: INVALID_PASSWORD, message: MESSAGES.userTokenForService(p.rolename) };
      return denied;
  }
}
