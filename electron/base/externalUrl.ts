// The one rule for opening a URL in the system browser: https to one of the cloud's Entra sign-in
// hosts (the authority host and the aliases MSAL may send the browser to), nothing else. Pure and
// unit-tested; the sign-in flow (electron/auth/signIn.ts) checks every URL with it before any
// browser sees it, and electron/shell/openExternal.ts checks again before shell.openExternal.

// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u0020\u007f-\u009f\\]/;

/** host[:port] with the port made explicit, from `https://host[:port]` or a bare `host[:port]`. */
function authorityKey(authority: string): string | undefined {
  try {
    const u = new URL(authority.includes('://') ? authority : `https://${authority}`);
    if (u.protocol !== 'https:' || u.username || u.password) return undefined;
    return `${u.hostname}:${u.port || '443'}`;
  } catch {
    return undefined;
  }
}

export function isAllowedExternalUrl(url: string, allowedAuthorities: readonly string[]): boolean {
  if (typeof url !== 'string' || url.length > 8192 || UNSAFE_CHARS.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:') return false;
  // userinfo tricks: https://login.microsoftonline.com@evil.example/
  if (u.username !== '' || u.password !== '') return false;
  // The URL parser turns IDN into punycode, so look-alike hosts never equal the ASCII authority.
  const key = `${u.hostname}:${u.port || '443'}`;
  return allowedAuthorities.some((a) => authorityKey(a) === key);
}
