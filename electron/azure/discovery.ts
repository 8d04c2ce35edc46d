// Finding flexible servers with one caller's ARM clients: subscriptions (every page), their
// servers (every page, a few subscriptions at a time), one server by name / FQDN / resource id,
// and its Entra admins. One subscription that cannot be read is a note, not a failure.
import { z } from 'zod';
import { AzureSubscriptionSchema, parseFlexibleServerId, type AzureNote, type AzureServer, type AzureSubscription, type EntraAdmin } from '../../shared/azure.js';
import { PgEntraError, type ErrorCode } from '../../shared/errors.js';
import { SUBSCRIPTIONS_API_VERSION, type ArmClient } from './armClient.js';
import { mapArmError } from './armErrors.js';
import { toAzureServer, toEntraAdmin } from './serverMapping.js';

/** Subscriptions listed at once: enough to hide latency, few enough not to invite throttling. */
export const LIST_CONCURRENCY = 4;
/** ARM follows at most this many pages of subscriptions (a loop guard, not a real limit). */
const MAX_PAGES = 200;

const SubscriptionPage = z.object({
  value: z.array(z.looseObject({ subscriptionId: z.string(), displayName: z.string().catch(''), state: z.string().catch('Unknown'), tenantId: z.string().nullable().optional().catch(null) })),
  nextLink: z.string().nullable().optional(),
});

export interface Who {
  account?: string | undefined;
  signal?: AbortSignal | undefined;
}

export async function listSubscriptions(arm: ArmClient, who: Who = {}): Promise<AzureSubscription[]> {
  const out: AzureSubscription[] = [];
  let next: string | null | undefined = `/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`;
  try {
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const parsed = SubscriptionPage.safeParse(await arm.getJson(next, who.signal));
      if (!parsed.success) throw new PgEntraError('internal', `Azure Resource Manager's subscription list has an unexpected shape: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
      for (const s of parsed.data.value)
        out.push(AzureSubscriptionSchema.parse({ subscriptionId: s.subscriptionId, displayName: s.displayName || s.subscriptionId, state: s.state, tenantId: s.tenantId ?? null }));
      next = parsed.data.nextLink;
    }
  } catch (e) {
    throw mapArmError(e, { action: 'list the subscriptions', ...(who.account ? { account: who.account } : {}) });
  }
  return out;
}

/**
 * Every server of one subscription (the SDK follows nextLink through the origin-guarded pipeline).
 * `into` keeps the pages read before a failure: a later page that fails loses only itself.
 */
export async function listServersIn(arm: ArmClient, sub: Pick<AzureSubscription, 'subscriptionId' | 'displayName'>, who: Who = {}, into: AzureServer[] = []): Promise<AzureServer[]> {
  try {
    for await (const model of arm.flex(sub.subscriptionId).servers.listBySubscription(who.signal ? { abortSignal: who.signal } : {})) {
      const server = toAzureServer(model);
      if (server) into.push(server);
    }
  } catch (e) {
    throw mapArmError(e, { action: 'list the flexible servers', subscriptionId: sub.subscriptionId, subscriptionName: sub.displayName, ...(who.account ? { account: who.account } : {}) });
  }
  return into;
}

/** A PgEntraError of one subscription → a note (`forbidden`, `throttled`, `unavailable`, …). */
export function noteFor(subscriptionId: string | null, e: unknown): AzureNote {
  const err = e instanceof PgEntraError ? e : mapArmError(e, { action: 'ask Azure Resource Manager' });
  const codes: Partial<Record<ErrorCode, string>> = { azure_forbidden: 'forbidden', network_unavailable: 'unavailable', not_found: 'not_found', tls_verification_failed: 'unavailable' };
  const code = err.details?.status === 429 ? 'throttled' : (codes[err.code] ?? 'error');
  return { subscriptionId, code, message: err.hint ? `${err.message} ${err.hint}` : err.message };
}

/** Runs `work` over `items`, at most `limit` at once, keeping the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function listServersAcross(arm: ArmClient, subs: readonly AzureSubscription[], who: Who = {}): Promise<{ servers: AzureServer[]; notes: AzureNote[] }> {
  const readable = subs.filter((s) => s.state.toLowerCase() !== 'deleted');
  const results = await mapLimit(readable, LIST_CONCURRENCY, async (sub) => {
    const servers: AzureServer[] = [];
    try {
      return { servers: await listServersIn(arm, sub, who, servers), note: undefined };
    } catch (e) {
      if (who.signal?.aborted) throw e;
      return { servers, note: noteFor(sub.subscriptionId, e) };
    }
  });
  return { servers: results.flatMap((r) => r.servers), notes: results.flatMap((r) => (r.note ? [r.note] : [])) };
}

export async function getServerById(arm: ArmClient, resourceId: string, who: Who = {}): Promise<AzureServer> {
  const id = parseFlexibleServerId(resourceId);
  if (!id) throw new PgEntraError('invalid_input', `${resourceId} is not a flexible server resource id (/subscriptions/…/resourceGroups/…/providers/Microsoft.DBforPostgreSQL/flexibleServers/NAME).`);
  let model: unknown;
  try {
    model = await arm.flex(id.subscriptionId).servers.get(id.resourceGroup, id.name, who.signal ? { abortSignal: who.signal } : {});
  } catch (e) {
    throw mapArmError(e, { action: `read the flexible server ${id.name}`, subscriptionId: id.subscriptionId, ...(who.account ? { account: who.account } : {}) });
  }
  const server = toAzureServer(model);
  if (!server) throw new PgEntraError('internal', `Azure Resource Manager's answer for ${id.name} has no flexible server resource id.`);
  return server;
}

export async function listAdmins(arm: ArmClient, server: Pick<AzureServer, 'subscriptionId' | 'resourceGroup' | 'name'>, who: Who = {}): Promise<EntraAdmin[]> {
  const out: EntraAdmin[] = [];
  try {
    const pages = arm.flex(server.subscriptionId).administratorsMicrosoftEntra.listByServer(server.resourceGroup, server.name, who.signal ? { abortSignal: who.signal } : {});
    for await (const model of pages) {
      const admin = toEntraAdmin(model);
      if (admin) out.push(admin);
    }
  } catch (e) {
    throw mapArmError(e, { action: `list the Microsoft Entra admins of ${server.name}`, subscriptionId: server.subscriptionId, ...(who.account ? { account: who.account } : {}) });
  }
  return out;
}

/**
 * The servers a person means by `query`: a name (`myserver`, case-insensitive) or a host name
 * (`myserver.postgres.database.azure.com`: the server with that FQDN, or — while ARM reports no
 * FQDN yet — the one named by its first label).
 */
export function findServers(servers: readonly AzureServer[], query: string): AzureServer[] {
  const q = query.trim().toLowerCase();
  if (!q.includes('.')) return servers.filter((s) => s.name.toLowerCase() === q);
  const label = q.split('.')[0] ?? q;
  return servers.filter((s) => (s.fqdn ? s.fqdn.toLowerCase() === q : s.name.toLowerCase() === label));
}
