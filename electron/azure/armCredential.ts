// The Azure SDK's TokenCredential over pgEntra's token broker: the same account and MSAL cache
// as the database token, asked for Azure Resource Manager (`resource: 'management'`). It hands
// out tokens for the one management scope only, so no SDK policy can turn it into a token for
// another resource, and it never logs or stores the token. A claims challenge (ARM's 401
// insufficient_claims: MFA for writes) reaches it as `options.claims` from the SDK's bearer policy:
// it asks for a token with those claims, and when that needs a person the StepUpRequired error
// goes up to whoever runs the operation (electron/auth/stepUp.ts).
import type { AccessToken as SdkAccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import type { Credential } from '../../shared/credential.js';
import { PgEntraError } from '../../shared/errors.js';
import type { AccessToken, TokenProvider } from '../auth/tokenProvider.js';

export interface ArmCredential extends TokenCredential {
  /** The last token's account / tenant (never the token), for messages and the username proposal. */
  lastIssued(): Pick<AccessToken, 'account' | 'tenantId'> | undefined;
}

/**
 * Tokens asked for have at least this long left. The SDK's token cycler renews in the background
 * within 2 minutes of expiry; with 5 minutes left it rarely needs to during one operation.
 */
const MIN_VALIDITY_SECONDS = 300;
/** A failed renewal falls back to the token handed out before while it has this long left. */
const FALLBACK_MARGIN_MS = 10_000;

export function armCredential(tokens: TokenProvider, who: { cloud: string; credential: Credential; signal?: AbortSignal }, scope: string): ArmCredential {
  let last: Pick<AccessToken, 'account' | 'tenantId'> | undefined;
  let handedOut: SdkAccessToken | undefined;
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<SdkAccessToken> {
      const asked = Array.isArray(scopes) ? scopes : [scopes];
      if (asked.length !== 1 || asked[0]?.toLowerCase() !== scope.toLowerCase()) {
        throw new PgEntraError('internal', `pgEntra hands out Azure Resource Manager tokens for ${scope} only, not for ${asked.join(' ')}.`);
      }
      const signal = who.signal ?? (options?.abortSignal instanceof AbortSignal ? options.abortSignal : undefined);
      const claims = options?.claims;
      let t: AccessToken;
      try {
        t = await tokens.getToken({
          credential: who.credential,
          cloud: who.cloud,
          resource: 'management',
          minValiditySeconds: MIN_VALIDITY_SECONDS,
          ...(claims ? { claims } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (e) {
        // core-rest-pipeline's token cycler starts background renewals without handling their
        // rejection (an unhandled rejection ends a CLI process). While the token handed out
        // before is still good, answer with it; the next request that needs a new one fails.
        // Never for a challenge: the token handed out before is the one ARM just refused.
        if (!claims && handedOut && handedOut.expiresOnTimestamp - Date.now() > FALLBACK_MARGIN_MS) return handedOut;
        throw e;
      }
      last = { ...(t.account ? { account: t.account } : {}), ...(t.tenantId ? { tenantId: t.tenantId } : {}) };
      handedOut = { token: t.token, expiresOnTimestamp: t.expiresOn.getTime(), tokenType: 'Bearer' };
      return handedOut;
    },
    lastIssued: () => last,
  };
}
