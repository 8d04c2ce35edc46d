// Microsoft Graph's bearer-token check: the checks it shares with ARM (../bearerTokens.ts: RS256
// signature, lifetime, audience — Graph's URI in the cloud asked, or its app id — and issuer), then
// a delegated (`scp`) or app (`roles`) permission claim. Failures are Graph's 401
// InvalidAuthenticationToken texts with its WWW-Authenticate challenge.
import { z } from 'zod';
import { BearerClaimsSchema, BearerTokenVerifier, type BearerRefusal } from '../bearerTokens.js';
import type { Jwk } from '../entra/keys.js';

/** Who called, as the token says. */
export interface GraphCaller {
  objectId: string;
  tenantId: string;
  /** Delegated permissions (`scp`); empty for app tokens. */
  scopes: string[];
  /** A user's (delegated) token, not an app's. */
  user: boolean;
  /** The token's amr names mfa. */
  mfa: boolean;
  acrs: string[];
}

export type GraphAuthResult = { ok: true; caller: GraphCaller } | { ok: false; message: string };

const GraphClaimsSchema = BearerClaimsSchema.extend({
  oid: z.string(),
  scp: z.string().optional(),
  roles: z.array(z.string()).optional(),
  idtyp: z.string().optional(),
  amr: z.array(z.string()).optional(),
  acrs: z.array(z.string()).optional(),
}).loose();
type GraphClaims = z.infer<typeof GraphClaimsSchema>;

const LIFETIME = 'Lifetime validation failed, the token is expired.';
const VALIDATION = 'Access token validation failure.';

/** Graph's 401 text for each refusal. */
const REFUSALS: Record<BearerRefusal<GraphClaims>['reason'], string> = {
  missing: 'Access token is empty.',
  notBearer: 'Access token is empty.',
  // Graph's text for a string that is not a compact JWT.
  malformed: 'CompactToken parsing failed with error code: 80049217',
  unknownKey: VALIDATION,
  badSignature: VALIDATION,
  expired: LIFETIME,
  notYetValid: LIFETIME,
  audience: 'Access token validation failure. Invalid audience.',
  issuer: 'Access token validation failure. Invalid issuer.',
};

const refuse = (message: string): GraphAuthResult => ({ ok: false, message });

export class GraphAuthenticator {
  private readonly verifier: BearerTokenVerifier<GraphClaims>;

  constructor(
    jwks: readonly Jwk[],
    /** Tenants whose v1 issuer (https://sts.windows.net/{tid}/) Graph accepts. */
    tenants: readonly string[],
    now?: () => number,
  ) {
    this.verifier = new BearerTokenVerifier(jwks, tenants, GraphClaimsSchema, now);
  }

  authenticate(authorization: string | undefined, audiences: readonly string[]): GraphAuthResult {
    const checked = this.verifier.check(authorization, audiences);
    if (!checked.ok) return refuse(REFUSALS[checked.reason]);
    const c = checked.claims;
    if (c.scp === undefined && c.roles === undefined) return refuse('Either scp or roles claim need to be present in the token.');
    return {
      ok: true,
      caller: {
        objectId: c.oid.toLowerCase(),
        tenantId: checked.tenantId,
        scopes: (c.scp ?? '').split(' ').filter(Boolean),
        user: c.idtyp !== 'app' && c.scp !== undefined,
        mfa: (c.amr ?? []).includes('mfa'),
        acrs: c.acrs ?? [],
      },
    };
  }
}

/** Graph's challenge on every 401. */
export const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`;
