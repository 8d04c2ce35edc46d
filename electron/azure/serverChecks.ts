// The pre-flight findings, as pure functions of what ARM said (server, admins), the profile's
// username and a failed login: one builder per FINDING_IDS entry, each with a message saying what
// is wrong and an action a person can follow. No I/O: the app, the CLI and tests share them.
import { firewallRuleNameFor, type AzureServer, type EntraAdmin, type PreflightFinding } from '../../shared/azure.js';
import { isIPv4Literal } from '../../shared/profile.js';
import { parseRefusedIp } from './firewall.js';

/** States in which a server refuses every connection (others — Starting, Updating … — are passing). */
const DOWN_STATES = new Set(['stopped', 'disabled', 'dropping']);

const sqlLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** `subscriptions`: how many were searched for a host name; undefined for a remembered resource id ARM does not know. */
export function serverNotFound(lookedFor: string, subscriptions: number | undefined, account?: string): PreflightFinding {
  const who = account ?? 'the account';
  return {
    id: 'server_not_found',
    severity: 'warning',
    message:
      subscriptions === undefined
        ? `Azure Resource Manager has no flexible server ${lookedFor} that ${who} can read (deleted, moved or renamed?), so pgEntra could not check it.`
        : `No flexible server ${lookedFor} in the ${subscriptions} subscription${subscriptions === 1 ? '' : 's'} ${who} can read, so pgEntra could not check it.`,
    action: `Check the host name (pgentra servers list shows the servers this account can see), or use an account with Reader access to the server's subscription. Connecting does not depend on this check.`,
  };
}

export function serverStopped(server: AzureServer): PreflightFinding | undefined {
  const state = server.state;
  if (!state || state.toLowerCase() === 'ready') return undefined;
  const down = DOWN_STATES.has(state.toLowerCase());
  return {
    id: 'server_stopped',
    severity: down ? 'error' : 'warning',
    message: down ? `${server.name} is ${state}: it refuses every connection.` : `${server.name} is ${state}: connections may fail until it is Ready.`,
    action:
      state.toLowerCase() === 'stopped'
        ? `Start it in the portal (the server → Overview → Start) or: az postgres flexible-server start --resource-group ${server.resourceGroup} --name ${server.name} --subscription ${server.subscriptionId}`
        : 'Wait until the portal shows it Ready, then connect again.',
  };
}

export function entraDisabled(server: AzureServer): PreflightFinding | undefined {
  if (server.entraAuth !== 'disabled') return undefined;
  return {
    id: 'entra_disabled',
    severity: 'error',
    message: `Microsoft Entra authentication is disabled on ${server.name} (PostgreSQL passwords only): it refuses Entra tokens.`,
    action:
      'An admin of the server enables Microsoft Entra authentication: portal → the server → Security → Authentication → "PostgreSQL and Microsoft Entra authentication", then adds a Microsoft Entra admin on the same page.',
  };
}

function describeAdmins(admins: readonly EntraAdmin[]): string {
  return admins.map((a) => `${a.principalName} (${a.principalType})`).join(', ');
}

/** The username is no Entra admin: it logs in only if an admin created it as a principal. */
export function notEntraAdmin(server: AzureServer, admins: readonly EntraAdmin[] | null, username: string | undefined): PreflightFinding | undefined {
  if (!username || admins === null) return undefined;
  // Role names are matched exactly (case-sensitive), as the server does.
  if (admins.some((a) => a.principalName === username)) return undefined;
  const create = `select * from pgaadauth_create_principal(${sqlLiteral(username)}, false, false);`;
  return {
    id: 'not_entra_admin',
    severity: 'warning',
    message: admins.length
      ? `"${username}" is not a Microsoft Entra admin of ${server.name} (its admins: ${describeAdmins(admins)}).`
      : `"${username}" is not a Microsoft Entra admin of ${server.name}, which has no Entra admin yet.`,
    action: admins.length
      ? `It logs in only if an Entra admin created it as a principal. Connected to the postgres database as one of ${admins.map((a) => a.principalName).join(', ')}, run: ${create} — or use an admin's name as the username if you are that user or in that group.`
      : `An owner adds a Microsoft Entra admin (portal → the server → Security → Authentication → Add Microsoft Entra admins); that admin then runs: ${create}`,
  };
}

export function privateNetwork(server: AzureServer): PreflightFinding | undefined {
  const host = server.fqdn ?? `${server.name}'s host name`;
  if (server.privateNetwork) {
    return {
      id: 'private_network',
      severity: 'warning',
      message: `${server.name} is VNet-integrated (private access): it is reachable only from its virtual network, and ${host} resolves only through the private DNS zone linked to it.`,
      action: `Connect from inside that network — over the VPN, ExpressRoute, a peered network or a jump host — with DNS that resolves ${host} (the linked private DNS zone, or a DNS forwarder to Azure DNS 168.63.129.16).`,
    };
  }
  if (server.publicNetworkAccess === 'disabled') {
    return {
      id: 'private_network',
      severity: 'warning',
      message: `${server.name} has public network access disabled: it is reachable only through a private endpoint.`,
      action: `Connect over the network of its private endpoint (VPN, ExpressRoute or peering) with DNS resolving ${host} to the endpoint's address (zone privatelink.postgres.database.azure.com), or ask an admin to enable public access with a firewall rule for you.`,
    };
  }
  return undefined;
}

/** A login refused with `no pg_hba.conf entry for host "<ip>"`: the firewall, with the one-click fix for IPv4. */
export function firewallBlocked(refusal: unknown, where: { server?: AzureServer | null; host?: string; profileName?: string }): PreflightFinding | undefined {
  const ip = parseRefusedIp(refusal);
  if (!ip) return undefined;
  const name = where.server?.name ?? where.host ?? 'the server';
  const portal = 'the portal → the server → Networking → Firewall rules → "Add current client IP address"';
  const ruleName = firewallRuleNameFor(ip);
  const ipv4 = isIPv4Literal(ip);
  return {
    id: 'firewall_blocked',
    severity: 'error',
    message: `The firewall of ${name} does not allow ${ip}: the server refused the login before any sign-in (no pg_hba.conf entry for host "${ip}").`,
    action: ipv4
      ? `Add the firewall rule ${ruleName} for ${ip}: pgentra firewall allow-my-ip ${where.profileName ?? 'PROFILE'} (or "Allow my IP" in pgEntra), or ${portal}. Behind a VPN or proxy the address the server sees can change.`
      : `Azure firewall rules take IPv4 addresses only, and the server saw ${ip}: connect over IPv4, or ask an admin about private access.`,
    ...(ipv4 ? { fix: { kind: 'allow-my-ip' as const, ip, ruleName } } : {}),
  };
}

/** ARM could not be asked (403, network, no managementEndpoint): a note, never a failure. */
export function azureUnavailable(reason: string, action?: string): PreflightFinding {
  return {
    id: 'azure_unavailable',
    severity: 'info',
    message: `pgEntra could not check the server with Azure Resource Manager: ${reason}`,
    action: action ?? "Connecting does not depend on this check; the checks need Reader access to the server's subscription.",
  };
}

/** The findings that need no username: stopped, Entra off, private network (in that order). */
export function serverFindings(server: AzureServer): PreflightFinding[] {
  return [serverStopped(server), entraDisabled(server), privateNetwork(server)].filter((f): f is PreflightFinding => f !== undefined);
}
