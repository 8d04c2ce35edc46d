// The Azure pre-flight of a desktop connect. ARM is asked about the profile's server alongside
// the connect, never before it: a working connect is never delayed, and ARM trouble (403, no
// network, no management endpoint) never fails one. When the connect fails, the server is checked
// again with the refusal, so a firewall block carries the "Allow my IP" fix with the address the
// server saw. Findings reach the renderer as `session.preflight` events.
// It also remembers the fixes it offered: azure.allowMyIp adds only an address that a refusal of
// that profile's server reported, so a compromised renderer cannot open the firewall to any address.
import type { ServerCheck } from '../../shared/azure.js';
import { postgresDomainsFor, type Cloud, type Profile } from '../../shared/profile.js';
import type { AzureService } from '../azure/azureService.js';
import type { EventSink } from './router.js';

export interface ConnectPreflight {
  /** Whether a connect to this profile gets the pre-flight: a server host under its cloud's PostgreSQL domains, or an ARM resource id. */
  applies(profile: Profile): boolean;
  /** A connect is starting: checks alongside it (returns at once). Call the result when the connect has finished. */
  begin(profile: Profile, attemptId?: string): { succeeded(): void; failed(error: unknown): void };
  /** Whether a refusal of this profile's server offered this address and rule name as its fix. */
  offered(profileId: string, ip: string, ruleName: string): boolean;
  /** Resolves when every check started so far has reported (tests). */
  settled(): Promise<void>;
}

export interface ConnectPreflightDeps {
  azure: Pick<AzureService, 'checkProfile'>;
  events: EventSink;
  postgresDomainsOf?: (cloud: Cloud) => readonly string[];
}

const NOTHING = { succeeded: () => undefined, failed: () => undefined };

/**
 * A flexible server's host is `<server name>.<domain>`: a strict subdomain of one of the cloud's
 * PostgreSQL domains. The domain itself (a custom cloud's `localhost`) names no server ARM knows.
 */
export function isServerHostIn(host: string, domains: readonly string[]): boolean {
  const h = host.trim().toLowerCase();
  return domains.some((d) => {
    const dom = d.trim().toLowerCase().replace(/^\./, '');
    return dom !== '' && h.endsWith(`.${dom}`) && h.length > dom.length + 1;
  });
}

export function createConnectPreflight({ azure, events, postgresDomainsOf }: ConnectPreflightDeps): ConnectPreflight {
  const offers = new Map<string, Set<string>>();
  const running = new Set<Promise<void>>();
  const offerKey = (ip: string, ruleName: string): string => `${ip}\n${ruleName}`;

  const applies = (profile: Profile): boolean => {
    if (profile.azure?.resourceId) return true;
    const domains = postgresDomainsOf ? postgresDomainsOf(profile.cloud) : postgresDomainsFor(profile.cloud);
    return isServerHostIn(profile.host, domains);
  };

  /** One check → its events. checkProfile never throws for ARM trouble; anything else becomes a finding too. */
  const check = (profile: Profile, phase: 'connect' | 'refusal', attemptId: string | undefined, signal: AbortSignal, refusal?: unknown): void => {
    const base = { profileId: profile.id, ...(attemptId ? { attemptId } : {}), phase };
    events('session.preflight', { ...base, status: 'checking', server: null, findings: [] });
    const task = Promise.resolve()
      .then(() => azure.checkProfile(profile, { signal, ...(refusal === undefined ? {} : { refusal }) }))
      .catch((e: unknown): ServerCheck => ({
        server: null,
        admins: null,
        findings: [
          {
            id: 'azure_unavailable',
            severity: 'info',
            message: `Azure could not be asked about this server: ${e instanceof Error ? e.message : String(e)}`,
            action: 'The connection does not depend on it; try again later to see the server’s settings.',
          },
        ],
      }))
      .then((result) => {
        // An aborted check is superseded (the connect succeeded, or the refusal check replaces it).
        if (signal.aborted) return;
        for (const f of result.findings) {
          if (!f.fix) continue;
          const set = offers.get(profile.id) ?? new Set<string>();
          set.add(offerKey(f.fix.ip, f.fix.ruleName));
          offers.set(profile.id, set);
        }
        events('session.preflight', { ...base, status: 'done', server: result.server, findings: result.findings });
      });
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  return {
    applies,
    begin(profile, attemptId) {
      if (!applies(profile)) return NOTHING;
      const during = new AbortController();
      check(profile, 'connect', attemptId, during.signal);
      return {
        // Connected: what ARM would say no longer matters for this attempt.
        succeeded: () => during.abort(),
        failed: (error) => {
          during.abort();
          check(profile, 'refusal', attemptId, new AbortController().signal, error);
        },
      };
    },
    offered: (profileId, ip, ruleName) => offers.get(profileId)?.has(offerKey(ip, ruleName)) ?? false,
    async settled() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
