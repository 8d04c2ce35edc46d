// Server-level firewall rules of a flexible server with public access: inclusive IPv4 ranges
// (Azure's startIpAddress–endIpAddress). No rules configured means "allow all" here, like the
// portal's 0.0.0.0–255.255.255.255 rule, so tests that do not care are not refused.
import { isIPv4 } from 'node:net';

export interface FirewallRule {
  name: string;
  startIpAddress: string;
  endIpAddress: string;
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Throws on a malformed rule, as Azure Resource Manager rejects one. */
export function validateRules(rules: readonly FirewallRule[]): void {
  for (const r of rules) {
    if (!isIPv4(r.startIpAddress) || !isIPv4(r.endIpAddress)) {
      throw new Error(`firewall rule ${r.name}: start and end must be IPv4 addresses`);
    }
    if (ipv4ToNumber(r.startIpAddress) > ipv4ToNumber(r.endIpAddress)) {
      throw new Error(`firewall rule ${r.name}: start address is after the end address`);
    }
  }
}

/** The address PostgreSQL reports for a client: IPv4-mapped IPv6 shown as plain IPv4. */
export function clientAddress(remote: string | undefined): string {
  const ip = remote ?? '';
  return ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/** `null` = no rules configured (allow all). Azure's rules are IPv4 only. */
export function firewallAllows(rules: readonly FirewallRule[] | null, ip: string): boolean {
  if (rules === null) return true;
  if (!isIPv4(ip)) return false;
  const n = ipv4ToNumber(ip);
  return rules.some((r) => ipv4ToNumber(r.startIpAddress) <= n && n <= ipv4ToNumber(r.endIpAddress));
}
