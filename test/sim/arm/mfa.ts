// Azure's mandatory MFA for Resource Manager (phase 2, aka.ms/MFAforAzure): a user's create,
// update or delete with a token that did no MFA is refused with 401 and a claims challenge naming
// the authentication context "p1"; reads never need MFA, and apps (service principals, managed
// identities) are exempt. The token after the step-up carries `acrs: ["p1"]` and `amr` "mfa".
import type { ArmError } from './http.js';

/** The claims ARM asks for (observed in Azure CLI's and Azure PowerShell's re-login hints). */
export const MFA_CLAIMS = JSON.stringify({ access_token: { acrs: { essential: true, values: ['p1'] } } });

const WRITES = new Set(['PUT', 'PATCH', 'DELETE', 'POST']);

export function isWrite(method: string): boolean {
  return WRITES.has(method.toUpperCase());
}

export interface TokenAuthn {
  /** An app identity (exempt). */
  app: boolean;
  amr?: readonly string[];
  acrs?: readonly string[];
}

export function meetsMandatoryMfa(t: TokenAuthn): boolean {
  return t.app || (t.amr ?? []).includes('mfa') || (t.acrs ?? []).includes('p1');
}

/** The 401 ARM answers: its error body and the challenge core-rest-pipeline's bearer policy parses. */
export function mfaChallenge(resourceName: string): { error: ArmError; headers: Record<string, string> } {
  const claims = Buffer.from(MFA_CLAIMS, 'utf8').toString('base64');
  return {
    error: {
      code: 'RequestDisallowedByAzure',
      message: `Resource '${resourceName}' was disallowed by Azure: You are receiving this error because you tried to create, update or delete Azure resources without authenticating through MFA. User accounts must be authenticated through MFA to manage your resources. To resolve this error, go to https://aka.ms/MFAforAzure.`,
    },
    headers: { 'www-authenticate': `Bearer authorization_uri="https://login.windows.net/", error="insufficient_claims", claims="${claims}"` },
  };
}
