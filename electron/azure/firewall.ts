// "Allow my IP": the address the server saw (from its refusal, never guessed), checked to be one
// plain IPv4 address, and the one-address firewall rule created with ARM's long-running PUT
// (202 + Azure-AsyncOperation, polled through the origin-guarded pipeline until it finishes).
import { FIREWALL_RULE_NAME, firewallRuleNameFor, type AzureServer } from '../../shared/azure.js';
import { PgEntraError } from '../../shared/errors.js';
import { isIPv4Literal, isIPv6Literal } from '../../shared/profile.js';
import type { ArmClient } from './armClient.js';
import { mapArmError } from './armErrors.js';
import type { FirewallRuleResult } from './azureService.js';

const REFUSAL = /no pg_hba\.conf entry for host "([^"]+)"/i;

/**
 * The client address in a firewall refusal: a PgEntraError / error payload of code
 * firewall_blocked (details.ip), or any error or text quoting `no pg_hba.conf entry for host "<ip>"`.
 * Only an IP literal counts: whatever else sits between the quotes is not an address to allow.
 */
export function parseRefusedIp(refusal: unknown): string | undefined {
  let candidate: string | undefined;
  if (typeof refusal === 'string') candidate = REFUSAL.exec(refusal)?.[1];
  else if (refusal && typeof refusal === 'object') {
    const r = refusal as { code?: unknown; message?: unknown; details?: { ip?: unknown } };
    if (r.code === 'firewall_blocked' && typeof r.details?.ip === 'string') candidate = r.details.ip;
    else if (typeof r.message === 'string') candidate = REFUSAL.exec(r.message)?.[1];
  }
  const ip = candidate?.trim();
  return ip && (isIPv4Literal(ip) || isIPv6Literal(ip)) ? ip : undefined;
}

/** The address for a rule, or invalid_input saying why not (IPv6, 0.0.0.0, not an address). */
export function validateFirewallIp(ip: string): string {
  const s = ip.trim();
  if (isIPv6Literal(s)) {
    throw new PgEntraError('invalid_input', `${s} is an IPv6 address; Azure firewall rules for flexible servers take IPv4 addresses only.`, {
      hint: 'Connect over IPv4 (the server then sees an IPv4 address), or ask an admin about private access.',
    });
  }
  if (!isIPv4Literal(s)) throw new PgEntraError('invalid_input', `"${s}" is not an IPv4 address like 203.0.113.7.`);
  if (s === '0.0.0.0') {
    throw new PgEntraError('invalid_input', '0.0.0.0 has a special meaning in Azure firewall rules (it lets in every Azure service); pgEntra adds rules for one real address only.');
  }
  return s;
}

export function validateRuleName(name: string): string {
  if (!FIREWALL_RULE_NAME.test(name)) throw new PgEntraError('invalid_input', `"${name}" is not a firewall rule name: use letters, digits, "-", "_" and "." (at most 128).`);
  return name;
}

/** Creates or updates the one-address rule and waits for ARM's long-running operation to finish. */
export async function allowIp(
  arm: ArmClient,
  server: AzureServer,
  ip: string,
  opts: { ruleName?: string; account?: string | undefined; signal?: AbortSignal | undefined; pollIntervalMs?: number } = {},
): Promise<FirewallRuleResult> {
  const address = validateFirewallIp(ip);
  const ruleName = validateRuleName(opts.ruleName ?? firewallRuleNameFor(address));
  try {
    const rule = await arm
      .flex(server.subscriptionId)
      .firewallRules.beginCreateOrUpdateAndWait(
        server.resourceGroup,
        server.name,
        ruleName,
        { startIpAddress: address, endIpAddress: address },
        { updateIntervalInMs: opts.pollIntervalMs ?? 1_000, ...(opts.signal ? { abortSignal: opts.signal } : {}) },
      );
    return { ruleName, startIpAddress: rule.startIpAddress || address, endIpAddress: rule.endIpAddress || address, server };
  } catch (e) {
    throw mapArmError(e, { action: `add the firewall rule ${ruleName} (${address}) to ${server.name}`, subscriptionId: server.subscriptionId, ...(opts.account ? { account: opts.account } : {}) });
  }
}
