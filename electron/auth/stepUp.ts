// Claims challenges and the step-up they need. Entra (Conditional Access: MFA for one resource)
// and resources (Azure Resource Manager's mandatory MFA for writes: 401 insufficient_claims) can
// ask for more than the cached sign-in has. pgEntra then asks silently with the claims first; when
// that needs a person, the error carries the challenge (which scope, which account, which claims)
// and the app or the CLI signs in interactively FOR THAT SCOPE with those claims, then retries the
// operation once. Signing in again for the database scope instead would succeed without MFA and
// loop (Azure/azure-cli#16989, #31778).
import type { Credential } from '../../shared/credential.js';
import { PgEntraError, causeChain, isPgEntraError } from '../../shared/errors.js';
import type { TokenResource } from './tokenProvider.js';

export interface ClaimsChallenge {
  /** The request's cloud ref (`public` | `usgov` | `china` | custom cloud file). */
  cloud: string;
  resource: TokenResource;
  credential: Credential;
  /** The account the refused token was for (the step-up signs in as it), when known. */
  account?: string;
  tenant?: string;
  /** The claims (JSON) to satisfy; absent when Entra asked for interaction without naming any. */
  claims?: string;
}

/** An `mfa_required` / `sign_in_required` error that a step-up for `challenge` can fix. */
export class StepUpRequired extends PgEntraError {
  constructor(
    from: PgEntraError,
    readonly challenge: ClaimsChallenge,
  ) {
    // The resource goes to the renderer (which scope to sign in for); the claims stay in the main process.
    super(from.code, from.message, { ...(from.hint ? { hint: from.hint } : {}), details: { ...(from.details ?? {}), resource: challenge.resource }, cause: from.cause ?? from });
    this.name = 'StepUpRequired';
  }
}

export function stepUpOf(e: unknown): ClaimsChallenge | undefined {
  for (const cur of causeChain(e)) if (cur instanceof StepUpRequired) return cur.challenge;
  return undefined;
}

/**
 * Runs `operation`; when it fails with a step-up that `stepUp` can do, does it and runs the
 * operation once more. A second challenge is not answered again (no loop): it is the error.
 */
export async function withStepUp<T>(operation: () => Promise<T>, stepUp: (challenge: ClaimsChallenge, error: unknown) => Promise<void>): Promise<T> {
  try {
    return await operation();
  } catch (e) {
    const challenge = stepUpOf(e);
    if (!challenge) throw e;
    await stepUp(challenge, e);
    return operation();
  }
}

/** Whether a claims request asks for MFA (an `acrs` authentication context or an `amr` method). */
export function claimsAskForMfa(claims: string | undefined): boolean {
  return claims !== undefined && /"(acrs|amr)"\s*:/.test(claims);
}

/** Words for why a step-up is needed, from what failed: "Azure requires multi-factor authentication to change firewall rules". */
export function stepUpReason(challenge: ClaimsChallenge, action: string, error?: unknown): string {
  // Claims that ask for an authentication context or a method are MFA; others (Continuous Access
  // Evaluation after a password reset or a new network) only ask for a new sign-in.
  const mfa = (isPgEntraError(error) && error.code === 'mfa_required') || claimsAskForMfa(challenge.claims);
  const what = challenge.resource === 'management' ? 'Azure' : 'Microsoft Entra ID';
  return `${what} requires ${mfa ? 'multi-factor authentication' : 'you to sign in again'} to ${action}.`;
}
