// The replies the simulated corporate proxy writes when it refuses a request, shaped like Squid's
// (the proxy most enterprise networks and Docker images run): status line, `Server: squid`,
// `X-Squid-Error: ERR_… <errno>`, an HTML error page, and `Proxy-Authenticate: Basic realm="…"` on
// 407. The page text is ours; the headlines ("Access Denied.", "Cache Access Denied.", "Unable to
// determine IP address from host name …", "Connection to … failed.") are Squid's, since users
// paste them into tickets and products may show them.

export interface SquidError {
  status: 400 | 403 | 407 | 503;
  /** Squid's error template name, sent as `X-Squid-Error: NAME errno`. */
  squidError: 'ERR_INVALID_REQ' | 'ERR_INVALID_URL' | 'ERR_ACCESS_DENIED' | 'ERR_CACHE_ACCESS_DENIED' | 'ERR_DNS_FAIL' | 'ERR_CONNECT_FAIL' | 'ERR_SECURE_CONNECT_FAIL';
  /** The errno Squid appends (111 = ECONNREFUSED); 0 when none. */
  errno?: number;
  headline: string;
  detail: string;
}

const REASONS: Record<SquidError['status'], string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  407: 'Proxy Authentication Required',
  503: 'Service Unavailable',
};

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function invalidRequest(): SquidError {
  return { status: 400, squidError: 'ERR_INVALID_REQ', headline: 'Invalid Request', detail: 'Some aspect of the HTTP request is invalid.' };
}

export function invalidUrl(target: string): SquidError {
  return { status: 400, squidError: 'ERR_INVALID_URL', headline: 'Invalid URL', detail: `Some aspect of the requested URL is incorrect: ${target}` };
}

export function accessDenied(): SquidError {
  return { status: 403, squidError: 'ERR_ACCESS_DENIED', headline: 'Access Denied.', detail: 'Access control configuration prevents your request from being allowed at this time.' };
}

export function authenticationRequired(target: string): SquidError {
  return {
    status: 407,
    squidError: 'ERR_CACHE_ACCESS_DENIED',
    headline: 'Cache Access Denied.',
    detail: `You are not currently allowed to request ${target} from this cache until you have authenticated yourself.`,
  };
}

export function dnsFailure(host: string): SquidError {
  return { status: 503, squidError: 'ERR_DNS_FAIL', headline: `Unable to determine IP address from host name ${host}`, detail: 'The DNS server returned: Name Error: The domain name does not exist.' };
}

export function connectFailure(address: string, errno: number, message: string): SquidError {
  return { status: 503, squidError: 'ERR_CONNECT_FAIL', errno, headline: `Connection to ${address} failed.`, detail: `The system returned: (${errno}) ${message}` };
}

export function secureConnectFailure(host: string, message: string): SquidError {
  return { status: 503, squidError: 'ERR_SECURE_CONNECT_FAIL', headline: `Failed to establish a secure connection to ${host}`, detail: `The system returned: ${message}` };
}

/** errno numbers as Linux has them, for `X-Squid-Error` and the page text. */
export function errnoOf(code: string | undefined): { errno: number; message: string } {
  switch (code) {
    case 'ECONNREFUSED':
      return { errno: 111, message: 'Connection refused' };
    case 'ETIMEDOUT':
      return { errno: 110, message: 'Connection timed out' };
    case 'EHOSTUNREACH':
      return { errno: 113, message: 'No route to host' };
    case 'ENETUNREACH':
      return { errno: 101, message: 'Network is unreachable' };
    default:
      return { errno: 0, message: code ?? 'Unknown error' };
  }
}

/**
 * The whole reply as bytes for the socket. `keepAlive`: Squid keeps the client connection after a
 * refused CONNECT (it has no body), so a client may retry on it with credentials.
 */
export function squidReply(err: SquidError, opts: { target: string; proxyName: string; realm?: string; keepAlive: boolean }): Buffer {
  const body = Buffer.from(
    `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ERROR: The requested URL could not be retrieved</title></head>
<body><h1>ERROR</h1><h2>The requested URL could not be retrieved</h2><hr>
<p>The following error was encountered while trying to retrieve the URL: ${esc(opts.target)}</p>
<blockquote id="error"><p><b>${esc(err.headline)}</b></p></blockquote>
<p>${esc(err.detail)}</p>
<p>Your cache administrator is <a href="mailto:helpdesk@contoso.example">helpdesk@contoso.example</a>.</p>
<hr><p>Generated ${new Date().toUTCString()} by ${esc(opts.proxyName)} (squid)</p>
</body></html>
`,
    'utf8',
  );
  const headers = [
    `HTTP/1.1 ${err.status} ${REASONS[err.status]}`,
    'Server: squid',
    'Mime-Version: 1.0',
    `Date: ${new Date().toUTCString()}`,
    'Content-Type: text/html;charset=utf-8',
    `Content-Length: ${body.length}`,
    `X-Squid-Error: ${err.squidError} ${err.errno ?? 0}`,
    'Vary: Accept-Language',
    'Content-Language: en',
    ...(err.status === 407 ? [`Proxy-Authenticate: Basic realm="${opts.realm ?? 'proxy'}"`] : []),
    `Via: 1.1 ${opts.proxyName} (squid)`,
    `Connection: ${opts.keepAlive ? 'keep-alive' : 'close'}`,
  ];
  return Buffer.concat([Buffer.from(headers.join('\r\n') + '\r\n\r\n', 'latin1'), body]);
}
