// Entra's error shapes: the JSON body of the token/devicecode endpoints and the values posted
// back to the redirect URI by /authorize. Descriptions start with "AADSTSnnnnn:" like the real ones.
import { randomUUID } from 'node:crypto';

export interface EntraErrorSpec {
  error: string;
  aadsts: number;
  description?: string;
  suberror?: string;
  /** Entra's `claims` on a Conditional Access failure (JSON text, e.g. the failed policies' `capolids`). */
  claims?: string;
}

export interface EntraErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
  claims?: string;
}

/** Texts of the codes the simulator emits itself; injected codes may bring their own. */
const DEFAULT_TEXT: Record<number, string> = {
  700016:
    'Application with identifier was not found in the directory. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.',
  90002: 'Tenant not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.',
  50011: 'The redirect URI specified in the request does not match the redirect URIs configured for the application.',
  900144: 'The request body must contain the following parameter.',
  70008: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
  54005: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
  501481: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
  700082: 'The refresh token has expired due to inactivity. The token was issued on a previous date and was inactive for the configured lifetime.',
  50173: 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
  9002313: 'Invalid request. Request is malformed or invalid.',
  500011:
    'The resource principal was not found in the tenant. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.',
  50020: 'User account from identity provider does not exist in tenant and cannot access the application in that tenant. The account needs to be added as an external user in the tenant first.',
  50049: 'Unknown or invalid instance.',
  70000: 'The provided value for the input parameter is not valid.',
  28000: 'Provided value for the input parameter scope is not valid because it contains more than one resource.',
  70011: "The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid.",
  70016: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
  70019: 'Verification code expired.',
  70020: "The provided value for the input parameter 'device_code' is not valid. Device codes are valid for 15 minutes.",
  50034: 'The user account does not exist in the directory. To sign into this application, the account must be added to the directory.',
  50076: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.',
  65004: 'User declined to consent to access the app.',
  70005: "response_type 'token' is not enabled for the application.",
  9002325: 'Proof Key for Code Exchange is required for cross-origin authorization code redemption.',
  501491: 'Invalid size of Code_Challenge parameter.',
  5011: "Unsupported code_challenge_method. Only 'S256' is accepted.",
  90033: 'A transient error has occurred. Please try again.',
  50196: 'The server terminated an operation because it encountered a client request loop.',
  // Enterprise tenants: Conditional Access, app assignment, consent, MFA (sources in FIDELITY.md).
  53003: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  53000:
    'Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant. The user must enroll their device with an approved MDM provider like Intune.',
  530003: 'Your device is required to be managed to access this resource.',
  50105:
    "Your administrator has configured the application to block users unless they are specifically granted ('assigned') access to the application. The signed in user is blocked because they are not a direct member of a group with access, nor had access directly assigned by an administrator. Please contact your administrator to assign access to this application.",
  65001: 'The user or administrator has not consented to use the application. Send an interactive authorization request for this user and resource.',
  90094: 'The grant requires admin permission.',
  500121: 'Authentication failed during strong authentication request.',
  50079: 'Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access the resource.',
};

/** Suberrors Entra attaches to some codes; MSAL maps them to InteractionRequiredAuthError. */
const DEFAULT_SUBERROR: Record<number, string> = {
  50076: 'basic_action',
  50079: 'basic_action',
  50158: 'basic_action',
  50078: 'additional_action',
  65001: 'consent_required',
  53003: 'message_only',
  700082: 'bad_token',
  50173: 'bad_token',
  70008: 'bad_token',
};

export function entraTimestamp(d = new Date()): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function entraErrorBody(spec: EntraErrorSpec, correlationId?: string): EntraErrorBody {
  const traceId = randomUUID();
  const corr = correlationId ?? randomUUID();
  const ts = entraTimestamp();
  const text = spec.description ?? DEFAULT_TEXT[spec.aadsts] ?? 'Simulated error.';
  const suberror = spec.suberror ?? DEFAULT_SUBERROR[spec.aadsts];
  return {
    error: spec.error,
    error_description: `AADSTS${spec.aadsts}: ${text} Trace ID: ${traceId} Correlation ID: ${corr} Timestamp: ${ts}`,
    error_codes: [spec.aadsts],
    timestamp: ts,
    trace_id: traceId,
    correlation_id: corr,
    error_uri: `https://login.microsoftonline.com/error?code=${spec.aadsts}`,
    ...(suberror ? { suberror } : {}),
    ...(spec.claims ? { claims: spec.claims } : {}),
  };
}

/** HTTP status Entra uses for an OAuth error code. */
export function statusFor(error: string): number {
  return error === 'invalid_client' ? 401 : 400;
}
