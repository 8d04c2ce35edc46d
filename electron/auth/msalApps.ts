// Creates and memoises the MSAL applications for a cloud: one PublicClientApplication per
// (cloud, client id) with its own keychain cache plugin — the built-in clouds share one cache,
// each custom cloud file has its own partition — one ManagedIdentityApplication per identity. MSAL is imported lazily so the `pgentra token` hot path never loads it.
import type { Configuration, ICachePlugin, ManagedIdentityApplication, PublicClientApplication } from '@azure/msal-node';
import { AZURE_CLI_CLIENT_ID, DEFAULT_TENANT, isBuiltinCloudName, type Cloud } from '../../shared/clouds.js';
import type { Logger } from '../log/logger.js';
import type { ProxyResolver } from '../net/proxyConfig.js';
import { NodeNetworkClient } from './networkClient.js';

export interface AuthSettings {
  /** pgEntra data dir (keychain entry name and cache marker derive from it). */
  dataDir: string;
  /** Opt-in: keep MSAL's cache in memory only (no keychain). */
  memoryCache?: boolean;
  /** Overrides the cloud file's clientId and the Azure CLI default (the CLI's --client-id). */
  clientId?: string;
  /**
   * The client ids set per built-in cloud (settings.json: the organisation's own app
   * registration); read on every use, so a change in the app's settings applies at once.
   */
  clientIds?: () => Partial<Record<string, string>>;
  logger: Logger;
  /** Network timeout per request, ms. */
  networkTimeoutMs?: number;
  /** Direct or through which proxy, per HTTPS connection to Entra (default: direct). */
  resolveProxy?: ProxyResolver;
  /**
   * For an account: the moment before which its cached tokens predate a group membership it has
   * now (a PIM activation, electron/pim/activationLog.ts). Such tokens are not served from a cache.
   */
  tokensNotBefore?: (account: string) => Date | undefined;
}

export interface ManagedIdentitySelector {
  clientId?: string;
  objectId?: string;
  resourceId?: string;
}

type MsalModule = typeof import('@azure/msal-node');
let msalModule: Promise<MsalModule> | undefined;
export function loadMsal(): Promise<MsalModule> {
  msalModule ??= import('@azure/msal-node');
  return msalModule;
}

/** --client-id, else the setting for a built-in cloud, else the custom cloud file's, else the Azure CLI's public client. */
export function clientIdFor(cloud: Cloud, settings: Pick<AuthSettings, 'clientId' | 'clientIds'>): string {
  const configured = isBuiltinCloudName(cloud.id) ? settings.clientIds?.()[cloud.id] : undefined;
  return settings.clientId ?? configured ?? cloud.clientId ?? AZURE_CLI_CLIENT_ID;
}

/** `https://host/<tenant>`; a cloud's own default tenant applies when none is given. */
export function authorityFor(cloud: Cloud, tenant?: string): string {
  return `${cloud.authorityHost}/${tenant ?? cloud.tenantId ?? DEFAULT_TENANT}`;
}

export class MsalApps {
  private readonly networkClients = new Map<string, NodeNetworkClient>();
  private readonly publicClients = new Map<string, Promise<PublicClientApplication>>();
  private readonly miApps = new Map<string, Promise<ManagedIdentityApplication>>();

  constructor(readonly settings: AuthSettings) {}

  networkClient(cloud: Cloud): NodeNetworkClient {
    const key = cloud.caFile ?? '';
    let c = this.networkClients.get(key);
    if (!c) {
      c = new NodeNetworkClient({
        ...(cloud.caFile ? { caFile: cloud.caFile } : {}),
        timeoutMs: this.settings.networkTimeoutMs ?? 15_000,
        ...(this.settings.resolveProxy ? { resolveProxy: this.settings.resolveProxy } : {}),
      });
      this.networkClients.set(key, c);
    }
    return c;
  }

  /** Total requests made by every network client so far (diagnostics, tests). */
  requestCount(): number {
    let n = 0;
    for (const c of this.networkClients.values()) n += c.counts.total;
    return n;
  }

  /**
   * A keychain plugin for one MSAL app (rejects with keychain_unavailable), or undefined for the
   * memory-only cache. One per app, never shared: the plugin skips reloading when the store has
   * not changed since its own last write, so a plugin shared by two clouds' apps hid one app's
   * rotated refresh token from the other, which then wrote its stale copy back.
   */
  private createCachePlugin(partition: string | undefined): Promise<ICachePlugin | undefined> {
    if (this.settings.memoryCache) return Promise.resolve(undefined);
    return import('../keychain/cachePersistence.js').then((m) => m.createKeychainCachePlugin({ dataDir: this.settings.dataDir, ...(partition ? { partition } : {}) }));
  }

  private msalLogger(): NonNullable<Configuration['system']>['loggerOptions'] {
    const log = this.settings.logger.child('msal');
    return {
      piiLoggingEnabled: false,
      logLevel: 1, // LogLevel.Warning
      loggerCallback: (level: number, message: string) => (level <= 0 ? log.error(message) : log.warn(message)),
    };
  }

  publicClient(cloud: Cloud): Promise<PublicClientApplication> {
    const clientId = clientIdFor(cloud, this.settings);
    // A custom cloud file can change while the app runs (cloudLoader re-reads it): key by what the app is built from.
    // Each custom cloud has its own cache partition (its own keychain entry), never the built-in clouds' one.
    const key = [cloud.id, cloud.cachePartition ?? '', clientId, cloud.authorityHost, cloud.knownAuthorities.join(','), cloud.tenantId ?? '', cloud.caFile ?? ''].join('|');
    let p = this.publicClients.get(key);
    if (!p) {
      p = (async () => {
        const [msal, cachePlugin] = await Promise.all([loadMsal(), this.createCachePlugin(cloud.cachePartition)]);
        const builtin = !cloud.id.startsWith('custom:');
        return new msal.PublicClientApplication({
          auth: {
            clientId,
            authority: authorityFor(cloud),
            // Custom clouds: trust the host so MSAL does no instance discovery (works offline).
            ...(builtin ? {} : { knownAuthorities: cloud.knownAuthorities }),
            // pgEntra answers claims challenges (MFA step-up, Continuous Access Evaluation): Entra may
            // then send them instead of refusing outright.
            clientCapabilities: ['CP1'],
          },
          ...(cachePlugin ? { cache: { cachePlugin } } : {}),
          system: { networkClient: this.networkClient(cloud), loggerOptions: this.msalLogger() },
        });
      })();
      p.catch(() => this.publicClients.delete(key));
      this.publicClients.set(key, p);
    }
    return p;
  }

  managedIdentity(cloud: Cloud, id: ManagedIdentitySelector): Promise<ManagedIdentityApplication> {
    const key = `${cloud.id}|${cloud.cachePartition ?? ''}|${id.clientId ?? ''}|${id.objectId ?? ''}|${id.resourceId ?? ''}`;
    let p = this.miApps.get(key);
    if (!p) {
      p = loadMsal().then(
        (msal) =>
          new msal.ManagedIdentityApplication({
            ...(id.clientId || id.objectId || id.resourceId
              ? {
                  managedIdentityIdParams: {
                    ...(id.clientId ? { userAssignedClientId: id.clientId } : {}),
                    ...(id.objectId ? { userAssignedObjectId: id.objectId } : {}),
                    ...(id.resourceId ? { userAssignedResourceId: id.resourceId } : {}),
                  },
                }
              : {}),
            system: { networkClient: this.networkClient(cloud), loggerOptions: this.msalLogger() },
          }),
      );
      this.miApps.set(key, p);
    }
    return p;
  }
}
