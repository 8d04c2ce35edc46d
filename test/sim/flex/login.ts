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
  audience: (resource: string): string => `The access token does not have a valid audience claim. Please acquire a new token for the resource "${resource}".`,
  format: 'The access token has invalid format. Please ensure the token is passed exactly as returned by the authentication endpoint and retry.',
  oid: "The access token doesn't have a valid oid claim. Acquire a new token and try again",
  passwordFailed: (user: string): string => `password authentication failed for user "${user}"`,
  userTokenForService: (role: string): string => `Microsoft Entra user token for role "${role}" is neither an AAD_AUTH_TOKENTYPE_APP_USER or an AAD_AUTH_TOKENTYPE_APP_OBO token.`,
  // MicrosoftDocs/azure-docs#120133: a managed identity / service principal token for a user role.
  appTokenForUser: (role: string): string => `Service Principals cannot generate AAD_AUTH_TOKENTYPE_APP_USER tokens for role[${role}]`,
  // Plain PostgreSQL's pg_hba text: flexible servers enforce TLS through hostssl-only rules, and
  // the firewall shows up the same way (Azure's firewall docs quote the "SSL encryption" form).
  noHbaEntry: (host: string, user: string, database: string, encrypted: boolean): string =>
    `no pg_hba.conf entry for host "${host}", user "${user}", database "${database}", ${encrypted ? 'SSL encryption' : 'no encryption'}`,
  // PostgreSQL's own text when a backend is told to stop (restart, planned failover).
  adminShutdown: 'terminating connection due to administrator command',
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

/** A user (delegated) token, as opposed to an app-only token of a managed identity or app. */
function isUserToken(c: AccessTokenClaims): boolean {
  if (c.idtyp !== undefined) return c.idtyp === 'user';
  return c.upn !== undefined || c.scp !== undefined;
}

/**
 * Role-to-identity mapping: undefined = admitted. The role's recorded object id decides, never
 * its name: a role may be named anything (pgaadauth_create_principal_with_oid) and a user whose
 * UPN changed keeps their role, while a user re-created under the same UPN (new oid) does not.
 */
export function checkPrincipal(p: Principal, c: AccessTokenClaims): LoginRejection | undefined {
  const denied: LoginRejection = { sqlstate: INVALID_PASSWORD, message: MESSAGES.passwordFailed(p.rolename) };
  const oid = (c.oid ?? '').toLowerCase();
  const pid = p.objectId.toLowerCase();
  let admitted: boolean;
  switch (p.principalType) {
    case 'user':
      // SQLSTATE unconfirmed; the text is Azure's.
      if (!isUserToken(c)) return { sqlstate: INVALID_PASSWORD, message: MESSAGES.appTokenForUser(p.rolename) };
      admitted = oid === pid;
      break;
    case 'group':
      admitted = (c.groups ?? []).some((g) => g.toLowerCase() === pid);
      break;
    case 'service':
      if (isUserToken(c) && oid !== pid) return { sqlstate: INVALID_PASSWORD, message: MESSAGES.userTokenForService(p.rolename) };
      admitted = oid === pid;
      break;
  }
  if (!admitted) return denied;
  if (p.isMfa && !(c.amr ?? []).includes('mfa')) return denied; // real text unconfirmed
  return undefined;
}
