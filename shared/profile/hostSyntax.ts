// What the Host field may hold: an IPv4 or IPv6 literal or a DNS name — and, for anything else, a
// message that explains what was pasted (a URL, host:port, a path, user@host) and what to enter
// instead. Pure string checks; whether a host is an Azure PostgreSQL server is hostPolicy.ts.

// IPv4 dotted quad, each part 0–255 without leading zeros (leading zeros are octal to some parsers).
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isIPv4Literal(s: string): boolean {
  return IPV4.test(s);
}

/** RFC 4291 text form, incl. `::` compression and a trailing IPv4 part; no zone id, no brackets. */
export function isIPv6Literal(s: string): boolean {
  if (!s.includes(':') || s.length > 45) return false;
  let groups = s;
  let extra = 0;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!IPV4.test(tail)) return false;
    groups = s.slice(0, lastColon + 1) + '0:0'; // the IPv4 part counts as two groups
    extra = 0;
  }
  const halves = groups.split('::');
  if (halves.length > 2) return false;
  const parse = (h: string): string[] | null => {
    if (h === '') return [];
    const parts = h.split(':');
    return parts.every((p) => /^[0-9a-f]{1,4}$/i.test(p)) ? parts : null;
  };
  const left = parse(halves[0] ?? '');
  const right = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (left === null || right === null) return false;
  const count = left.length + right.length + extra;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isDnsName(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  // An all-numeric name that is not a valid IPv4 literal (e.g. 999.1.1.1) is a typo, not a host.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => DNS_LABEL.test(l));
}

/** Explains a pasted URL, host:port, path or user@host instead of just "invalid". */
export function hostProblem(raw: string): string | undefined {
  const s = raw;
  if (s.length === 0) return 'is required, e.g. myserver.postgres.database.azure.com';
  if (s.length > 253) return 'must be at most 253 characters';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(s);
  if (scheme) {
    const hostPart = (scheme[2] ?? '').replace(/^[^@]*@/, '').replace(/:\d*$/, '');
    return `must be just the server name, without "${scheme[1]}://"${hostPart ? ` — enter ${hostPart}` : ''} (put the port in the Port field)`;
  }
  if (isIPv4Literal(s) || isIPv6Literal(s)) return undefined;
  if (/^\[.*\]$/.test(s)) return 'enter the IPv6 address without the square brackets';
  if (/^\[.*\]:\d+$/.test(s)) return 'must not include a port: enter the IPv6 address without brackets and put the port in the Port field';
  if (s.includes('@')) return 'must not include a user name: enter only the server name and put the user in Username';
  if (s.includes('/') || s.includes('?') || s.includes('#')) return 'must be just the server name, without a path like "/postgres"';
  const hp = /^([^:]+):(\d*)$/.exec(s);
  if (hp) return `must not include a port: enter ${hp[1]} and put ${hp[2] || 'the port'} in the Port field`;
  if (/\s/.test(s)) return 'must not contain spaces';
  if (s.endsWith('.')) return 'must not end with a dot';
  if (!isDnsName(s)) return 'must be a DNS name like myserver.postgres.database.azure.com or an IP address (letters, digits, hyphens and dots only)';
  return undefined;
}
