// The AzureService over the token broker: each call builds its ARM clients for the caller's cloud
// and account (so a sign-out is never outlived by a cached ARM token), server listings are kept
// in memory for two minutes (a name or host lookup, a pre-flight check), and ARM trouble in a
// pre-flight check becomes a finding, never an exception. Nothing here logs a token.
import type { HttpClient } from '@azure/core-rest-pipeline';
import { parseFlexibleServerId, type AzureNote, type AzureServer, type EntraAdmin, type PreflightFinding, type ServerCheck, type ServerListing } from '../../shared/azure.js';
import { managementScopeFor, type Cloud } from '../../shared/clouds.js';
import type { Credential } from '../../shared/credential.js';
import { PgEntraError, isPgEntraError } from '../../shared/errors.js';
import { cloudFromRef, cloudRef, type Profile, type ProfileInput } from '../../shared/profile.js';
import { managementEndpointOf, resolveCloud } from '../base/cloudLoader.js';
import type { TokenProvider } from '../auth/tokenProvider.js';
import { silentLogger, type Logger } from '../log/logger.js';
import type { ProxyResolver } from '../net/proxyConfig.js';
import { ArmClient } from './armClient.js';
import { armCredential, type ArmCredential } from './armCredential.js';
import { StepUpRequired, stepUpOf } from '../auth/stepUp.js';
import { armClaimsChallenge } from './armChallenge.js';
import type { ArmCaller, AzureService, FirewallRuleResult, ProfileProposal, ServerDetails } from './azureService.js';
import { findServers, getServerById, listAdmins, listServersAcross, listSubscriptions, noteFor, type Who } from './discovery.js';
import { allowIp as putFirewallRule } from './firewall.js';
import { azureUnavailable, firewallBlocked, notEntraAdmin, serverFindings, serverNotFound } from './serverChecks.js';
import { claimsFromToken, proposeUsernames } from './usernameProposal.js';

export type { AzureService } from './azureService.js';

export interface AzureServiceDeps {
  tokens: TokenProvider;
  dataDir: string;
  logger?: Logger;
  /** Tests: a stand-in transport for every ARM request. */
  httpClient?: HttpClient;
  /** How long a server listing answers name/host lookups (default 2 min). */
  listingTtlMs?: number;
  /** Direct or through which proxy, per connection to Resource Manager (default: direct). */
  resolveProxy?: ProxyResolver;
}

/** One call's view of ARM: the clients, the credential adapter (for the account's name), the cloud. */
interface Arm {
  cloud: Cloud;
  client: ArmClient;
  credential: ArmCredential;
  who: Who;
}

const DEFAULT_PORT = 5432;

export function createAzureService(deps: AzureServiceDeps): AzureService {
  const log = (deps.logger ?? silentLogger).child('azure');
  const ttl = deps.listingTtlMs ?? 120_000;
  const listings = new Map<string, { at: number; listing: ServerListing }>();

  function listingKey(caller: ArmCaller, cloud: Cloud): string {
    return JSON.stringify([cloud.id, cloud.cachePartition ?? '', caller.credential.kind, 'account' in caller.credential ? (caller.credential.account ?? '').toLowerCase() : '', caller.credential]);
  }

  /** Runs `work` with ARM clients for the caller; the clients (and their sockets) end with it. */
  async function withArm<T>(caller: ArmCaller, work: (arm: Arm) => Promise<T>): Promise<T> {
    const cloud = resolveCloud(caller.cloud);
    managementEndpointOf(cloud); // a custom cloud without managementEndpoint: say so before anything else
    const scope = managementScopeFor(cloud) as string;
    const credential = armCredential(deps.tokens, caller, scope);
    const client = new ArmClient({ cloud, credential, scope, ...(deps.httpClient ? { httpClient: deps.httpClient } : {}), ...(deps.resolveProxy ? { resolveProxy: deps.resolveProxy } : {}) });
    const account = 'account' in caller.credential ? caller.credential.account : undefined;
    const who: Who = {
      get account() {
        return credential.lastIssued()?.account ?? account;
      },
      ...(caller.signal ? { signal: caller.signal } : {}),
    };
    try {
      return await work({ cloud, client, credential, who });
    } catch (e) {
      // A challenge the SDK could not answer itself (see armChallenge.ts): the caller can, with a step-up.
      const claims = isPgEntraError(e) && !stepUpOf(e) ? armClaimsChallenge(e) : undefined;
      if (claims && isPgEntraError(e) && (caller.credential.kind === 'interactive' || caller.credential.kind === 'device-code')) {
        const account = who.account;
        throw new StepUpRequired(e, {
          cloud: caller.cloud,
          resource: 'management',
          credential: caller.credential,
          claims,
          ...(account ? { account } : {}),
          ...(caller.credential.tenant ? { tenant: caller.credential.tenant } : {}),
        });
      }
      throw e;
    } finally {
      client.close();
    }
  }

  async function freshListing(caller: ArmCaller, arm: Arm, subscriptionId?: string): Promise<ServerListing> {
    const started = Date.now();
    const all = await listSubscriptions(arm.client, arm.who);
    const subs = subscriptionId ? all.filter((s) => s.subscriptionId.toLowerCase() === subscriptionId.toLowerCase()) : all;
    // A subscription the list does not show may still be readable (a role on a resource group only).
    const wanted = subs.length || !subscriptionId ? subs : [{ subscriptionId, displayName: subscriptionId, state: 'Unknown', tenantId: null }];
    const { servers, notes } = await listServersAcross(arm.client, wanted, arm.who);
    const listing: ServerListing = { subscriptions: wanted, servers, notes };
    if (!subscriptionId) listings.set(listingKey(caller, arm.cloud), { at: Date.now(), listing });
    log.debug('listed servers', { subscriptions: wanted.length, servers: servers.length, notes: notes.length, ms: Date.now() - started });
    return listing;
  }

  async function cachedListing(caller: ArmCaller, arm: Arm): Promise<ServerListing> {
    const hit = listings.get(listingKey(caller, arm.cloud));
    if (hit && Date.now() - hit.at < ttl) return hit.listing;
    return freshListing(caller, arm);
  }

  /** The server a name, host name or resource id means; not_found / invalid_input when none or several. */
  async function resolveServer(caller: ArmCaller, arm: Arm, query: string): Promise<{ server: AzureServer; notes: AzureNote[] }> {
    if (parseFlexibleServerId(query)) return { server: await getServerById(arm.client, query, arm.who), notes: [] };
    const listing = await cachedListing(caller, arm);
    const hits = findServers(listing.servers, query);
    if (hits.length === 1 && hits[0]) return { server: hits[0], notes: listing.notes };
    if (hits.length > 1) {
      throw new PgEntraError('invalid_input', `Several flexible servers match "${query}": ${hits.map((s) => s.id).join(', ')}.`, { hint: 'Give the resource id instead of the name.' });
    }
    const unread = listing.notes.length ? ` (${listing.notes.length} more could not be read: ${listing.notes.map((n) => n.message).join(' ')})` : '';
    throw new PgEntraError('not_found', `No flexible server "${query}" in the ${listing.subscriptions.length} subscription(s) ${arm.who.account ?? 'the account'} can read${unread}.`, {
      hint: 'pgentra servers list shows the servers this account can see; pass --account for another account.',
    });
  }

  /** The admins, or null and a note when ARM refuses to list them. */
  async function adminsOf(arm: Arm, server: Pick<AzureServer, 'subscriptionId' | 'resourceGroup' | 'name'>): Promise<{ admins: EntraAdmin[] | null; note?: AzureNote }> {
    try {
      return { admins: await listAdmins(arm.client, server, arm.who) };
    } catch (e) {
      if (arm.who.signal?.aborted) throw e;
      return { admins: null, note: noteFor(server.subscriptionId, e) };
    }
  }

  /** A profile's server: its remembered resource id, else the host's first label across subscriptions. */
  async function serverOfProfile(caller: ArmCaller, arm: Arm, profile: Profile): Promise<AzureServer | undefined> {
    if (profile.azure?.resourceId) return getServerById(arm.client, profile.azure.resourceId, arm.who);
    const listing = await cachedListing(caller, arm);
    return findServers(listing.servers, profile.host)[0];
  }

  /** The server and its admins; with a remembered resource id both are asked at once (latency before a connect). */
  async function serverAndAdmins(caller: ArmCaller, arm: Arm, profile: Profile): Promise<{ server: AzureServer | undefined; admins: EntraAdmin[] | null; note?: AzureNote }> {
    const id = profile.azure?.resourceId ? parseFlexibleServerId(profile.azure.resourceId) : undefined;
    if (id) {
      const gone = (e: unknown): undefined => {
        if (isPgEntraError(e) && e.code === 'not_found') return undefined; // deleted or moved: a finding, not ARM trouble
        throw e;
      };
      const [server, admins] = await Promise.all([getServerById(arm.client, profile.azure?.resourceId ?? '', arm.who).catch(gone), adminsOf(arm, id)]);
      return server ? { server, ...admins } : { server, admins: null };
    }
    const server = await serverOfProfile(caller, arm, profile);
    return server ? { server, ...(await adminsOf(arm, server)) } : { server, admins: null };
  }

  function callerOf(profile: Profile, signal?: AbortSignal): ArmCaller {
    return { cloud: cloudRef(profile.cloud), credential: profile.credential, ...(signal ? { signal } : {}) };
  }

  function pinAccount(credential: Credential, account: string | undefined): Credential {
    if ((credential.kind === 'interactive' || credential.kind === 'device-code') && !credential.account && account) return { ...credential, account };
    return credential;
  }

  const service: AzureService = {
    listServers(caller, opts = {}) {
      return withArm(caller, (arm) => freshListing(caller, arm, opts.subscriptionId));
    },

    getServer(caller, query) {
      return withArm(caller, async (arm): Promise<ServerDetails> => {
        const { server, notes } = await resolveServer(caller, arm, query);
        const { admins, note } = await adminsOf(arm, server);
        return { server, admins, findings: serverFindings(server), notes: note ? [...notes, note] : notes };
      });
    },

    proposeProfile(caller, query, opts = {}) {
      return withArm(caller, async (arm): Promise<ProfileProposal> => {
        // The database token (for its oid and groups) while ARM answers.
        const pgToken = deps.tokens.getToken({ credential: caller.credential, cloud: caller.cloud, ...(caller.signal ? { signal: caller.signal } : {}) });
        pgToken.catch(() => undefined);
        const { server } = await resolveServer(caller, arm, query);
        const [{ admins }, token] = await Promise.all([adminsOf(arm, server), pgToken]);
        if (!server.fqdn)
          throw new PgEntraError('not_found', `Azure Resource Manager reports no host name for ${server.name} yet (state ${server.state ?? 'unknown'}).`, {
            hint: 'Try again once the server is created.',
          });
        const account = token.account ?? arm.who.account;
        const usernameChoices = proposeUsernames(admins, claimsFromToken(token.token, account));
        const username = opts.username ?? usernameChoices[0]?.username;
        if (!username) throw new PgEntraError('invalid_input', `pgEntra cannot tell which role to log in to ${server.name} as.`, { hint: 'Pass the username (--user).' });
        const profile: ProfileInput = {
          name: opts.name ?? server.name,
          host: server.fqdn,
          port: DEFAULT_PORT,
          database: 'postgres',
          username,
          credential: pinAccount(caller.credential, account),
          cloud: cloudFromRef(caller.cloud),
          azure: { resourceId: server.id },
        };
        return { profile, usernameChoices, server };
      });
    },

    async checkProfile(profile, opts = {}) {
      const caller = callerOf(profile, opts.signal);
      const firewall = (server: AzureServer | null): PreflightFinding[] => {
        const f = firewallBlocked(opts.refusal, { server, host: profile.host, profileName: profile.name });
        return f ? [f] : [];
      };
      try {
        return await withArm(caller, async (arm): Promise<ServerCheck> => {
          const { server, admins, note } = await serverAndAdmins(caller, arm, profile);
          if (!server && profile.azure?.resourceId) {
            return { server: null, admins: null, findings: [serverNotFound(profile.azure.resourceId, undefined, arm.who.account), ...firewall(null)] };
          }
          if (!server) {
            const listing = await cachedListing(caller, arm);
            const unread = listing.notes.map((n) => azureUnavailable(n.message));
            return { server: null, admins: null, findings: [serverNotFound(profile.host, listing.subscriptions.length, arm.who.account), ...firewall(null), ...unread] };
          }
          const userFinding = notEntraAdmin(server, admins, profile.username);
          const findings = [...serverFindings(server), ...(userFinding ? [userFinding] : []), ...firewall(server), ...(note ? [azureUnavailable(note.message)] : [])];
          return { server, admins, findings };
        });
      } catch (e) {
        if (opts.stepUp === 'throw' && stepUpOf(e)) throw e;
        // Never a failure: ARM trouble (403, network, no managementEndpoint, sign-in) is one finding.
        const err = isPgEntraError(e) ? e : new PgEntraError('internal', e instanceof Error ? e.message : String(e));
        log.debug('pre-flight check without ARM', { code: err.code, message: err.message });
        return { server: null, admins: null, findings: [...firewall(null), azureUnavailable(err.message, err.hint)] };
      }
    },

    allowIp(profile, ip, opts = {}) {
      const caller = callerOf(profile, opts.signal);
      return withArm(caller, async (arm): Promise<FirewallRuleResult> => {
        const server = await serverOfProfile(caller, arm, profile);
        if (!server) {
          throw new PgEntraError(
            'not_found',
            `No flexible server for ${profile.host} in the subscriptions ${arm.who.account ?? 'the account'} can read, so pgEntra cannot add a firewall rule to it.`,
            {
              hint: 'Add the rule in the portal (the server → Networking), or recreate the profile with pgentra profiles add NAME --from-azure SERVER so it remembers the server.',
            },
          );
        }
        return putFirewallRule(arm.client, server, ip, { ...(opts.ruleName ? { ruleName: opts.ruleName } : {}), account: arm.who.account, signal: opts.signal });
      });
    },
  };
  return service;
}
