// What the Browse Azure view shows of a server listing, as pure functions (unit-tested): the
// status badges of a server, the filter box, the servers grouped under their subscriptions, and
// the notes ARM left (a subscription the account cannot read is a note, not a failure).
import type { AzureNote, AzureServer, AzureSubscription, ServerListing } from '../../../shared/azure.js';

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'info' | 'plain';

export interface Badge {
  label: string;
  tone: BadgeTone;
  /** A longer explanation (title / screen readers). */
  title: string;
}

/** Ready/Stopped, Entra on/off, public/private network, version, location, replica: what decides whether a connect can work. */
export function serverBadges(s: AzureServer): Badge[] {
  const badges: Badge[] = [];
  const state = s.state ?? 'Unknown';
  if (state === 'Ready') badges.push({ label: 'Ready', tone: 'ok', title: 'The server is running.' });
  else if (state === 'Stopped' || state === 'Disabled' || state === 'Dropping')
    badges.push({ label: state, tone: 'bad', title: `The server is ${state.toLowerCase()}: start it in the Azure portal before connecting.` });
  else badges.push({ label: state, tone: 'warn', title: `The server is ${state.toLowerCase()}.` });

  if (s.entraAuth === 'enabled') badges.push({ label: 'Entra on', tone: 'ok', title: 'Microsoft Entra authentication is enabled.' });
  else if (s.entraAuth === 'disabled') badges.push({ label: 'Entra off', tone: 'bad', title: 'Microsoft Entra authentication is disabled: Entra logins are refused.' });
  else badges.push({ label: 'Entra ?', tone: 'plain', title: 'Azure did not say whether Microsoft Entra authentication is enabled.' });

  if (s.privateNetwork) badges.push({ label: 'Private network', tone: 'warn', title: 'VNet-integrated: reachable only from that network (VPN, peering).' });
  else if (s.publicNetworkAccess === 'disabled') badges.push({ label: 'Public access off', tone: 'warn', title: 'Public network access is disabled: reachable through a private endpoint only.' });
  else badges.push({ label: 'Public network', tone: 'info', title: 'Reachable over the internet through its firewall rules.' });

  if (s.replicationRole && s.replicationRole !== 'Primary' && s.replicationRole !== 'None') badges.push({ label: 'Replica', tone: 'plain', title: `Replication role: ${s.replicationRole}.` });
  if (s.version) badges.push({ label: `PostgreSQL ${s.version}`, tone: 'plain', title: `PostgreSQL version ${s.version}.` });
  if (s.location) badges.push({ label: s.location, tone: 'plain', title: `Azure region ${s.location}.` });
  return badges;
}

/** Every word of the filter must appear in one of the server's names or facts (case-insensitive). */
export function matchesFilter(s: AzureServer, subscriptionName: string, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const hay = [s.name, s.fqdn, s.resourceGroup, s.location, s.version, s.state, subscriptionName, ...serverBadges(s).map((b) => b.label)].filter(Boolean).join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

export interface SubscriptionGroup {
  subscription: AzureSubscription;
  /** Servers that pass the filter, by name. */
  servers: AzureServer[];
  /** How many servers the subscription has before filtering. */
  total: number;
  /** What ARM could not tell about this subscription (403, throttled …). */
  notes: AzureNote[];
}

/** Subscriptions by name, each with its matching servers; servers of an unlisted subscription get a group of their own. */
export function groupBySubscription(listing: ServerListing, filter: string): SubscriptionGroup[] {
  const subs = new Map<string, AzureSubscription>(listing.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s]));
  for (const s of listing.servers) {
    const key = s.subscriptionId.toLowerCase();
    if (!subs.has(key)) subs.set(key, { subscriptionId: s.subscriptionId, displayName: s.subscriptionId, state: 'Unknown', tenantId: null });
  }
  return [...subs.values()]
    .map((subscription) => {
      const key = subscription.subscriptionId.toLowerCase();
      const all = listing.servers.filter((s) => s.subscriptionId.toLowerCase() === key);
      return {
        subscription,
        servers: all.filter((s) => matchesFilter(s, subscription.displayName, filter)).sort((a, b) => a.name.localeCompare(b.name)),
        total: all.length,
        notes: listing.notes.filter((n) => n.subscriptionId?.toLowerCase() === key),
      };
    })
    .sort((a, b) => a.subscription.displayName.localeCompare(b.subscription.displayName));
}

/** A note in the person's words: "You cannot read Fabrikam Shared (403)". */
export function describeNote(note: AzureNote, subscriptions: readonly AzureSubscription[]): string {
  const sub = note.subscriptionId ? subscriptions.find((s) => s.subscriptionId.toLowerCase() === note.subscriptionId?.toLowerCase()) : undefined;
  const name = sub?.displayName ?? note.subscriptionId ?? 'Azure';
  switch (note.code) {
    case 'forbidden':
      return `You cannot read ${name} (403): your account has no role that may list its servers.`;
    case 'throttled':
      return `${name}: Azure asked pgEntra to slow down (429); refresh in a moment.`;
    case 'unavailable':
      return `${name} could not be read: ${note.message}`;
    default:
      return `${name}: ${note.message}`;
  }
}

/** Notes not tied to one subscription (e.g. the subscriptions list itself). */
export function generalNotes(listing: ServerListing): AzureNote[] {
  const known = new Set(listing.subscriptions.map((s) => s.subscriptionId.toLowerCase()));
  return listing.notes.filter((n) => !n.subscriptionId || !known.has(n.subscriptionId.toLowerCase()));
}
