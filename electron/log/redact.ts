// Removes secrets from any text before it is logged or shown: JWTs (access and id tokens),
// refresh tokens and other long opaque credentials, wherever they appear (messages, stacks, JSON).
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
// key=value / "key":"value" pairs whose value is a secret, whatever the value looks like.
const SECRET_FIELD = /((?:"|')?(?:refresh_token|access_token|id_token|accessToken|refreshToken|idToken|secret|client_secret|device_code|password|PGPASSWORD)(?:"|')?\s*[:=]\s*"?)([^"&\s,}]{8,})/gi;
// Long opaque base64url-ish runs (Entra refresh tokens are ~1 kB "0.AX…" strings).
const LONG_OPAQUE = /\b[A-Za-z0-9._~+/-]{120,}={0,2}/g;

export const REDACTED = '[REDACTED]';

export function redact(text: string): string {
  return text.replace(JWT, REDACTED).replace(SECRET_FIELD, `$1${REDACTED}`).replace(LONG_OPAQUE, REDACTED);
}

/** Redacts an Error's message and stack (and its cause chain) into one safe string. */
export function redactError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(cur.stack ?? `${cur.name}: ${cur.message}`);
      cur = (cur as Error & { cause?: unknown }).cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return redact(parts.join('\nCaused by: '));
}
