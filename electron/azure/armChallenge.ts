// Azure Resource Manager's claims challenge, read from a refused request: `401` with
// `WWW-Authenticate: Bearer …, error="insufficient_claims", claims="<base64 JSON>"` (its mandatory
// MFA for writes; Continuous Access Evaluation). The SDK's bearer policy answers it once by itself
// — but its token cycler hands the claims request a background renewal that was already running
// without them (core-rest-pipeline tokenCycler `refresh`), so a challenge can still come back as
// the operation's error. Then it is read here, and the step-up gets the claims all the same.
import { isRestError } from '@azure/core-rest-pipeline';
import { causeChain } from '../../shared/errors.js';

/** `Bearer a="b", c="d"` → { a: 'b', c: 'd' } for the Bearer challenge (quoted parameters, as ARM sends them). */
function bearerParams(header: string): Record<string, string> {
  const bearer = /(?:^|,\s*)Bearer\s+(.*)$/i.exec(header)?.[1] ?? '';
  const params: Record<string, string> = {};
  for (const m of bearer.matchAll(/([A-Za-z_]+)="([^"]*)"/g)) if (m[1] !== undefined && m[2] !== undefined) params[m[1].toLowerCase()] = m[2];
  return params;
}

/** The claims (JSON) of an insufficient_claims 401 in `e` or its causes, if there is one. */
export function armClaimsChallenge(e: unknown): string | undefined {
  for (const cur of causeChain(e)) {
    if (!isRestError(cur) || cur.statusCode !== 401) continue;
    const header = cur.response?.headers.get('www-authenticate');
    const params = header ? bearerParams(header) : {};
    if (params.error !== 'insufficient_claims' || !params.claims) continue;
    try {
      const json = Buffer.from(params.claims, 'base64').toString('utf8');
      JSON.parse(json);
      return json;
    } catch {
      return undefined; // not base64 JSON: not a challenge pgEntra can answer
    }
  }
  return undefined;
}
