// Per-server behaviour of the one flexible-server simulator that answers for every server name.
// A connection names its server by TLS SNI (`myserver.postgres.database.azure.com`), as Azure's
// gateway routes it; each server has its own firewall rules, Entra setting and state. The
// Resource Manager simulator (test/sim/arm/) reads and writes the same store, so what ARM says
// and what the server does never disagree.
import { validateRules, type FirewallRule } from './firewall.js';

/** Azure's `properties.state` values; anything but Ready refuses connections. */
export const SERVER_STATES = ['Ready', 'Stopped', 'Starting', 'Stopping', 'Dropping', 'Disabled', 'Updating', 'Provisioning', 'Restarting'] as const;
export type ServerState = (typeof SERVER_STATES)[number];

export interface ServerPolicy {
  /** null = no rules configured: every address is allowed (a simulator convenience). */
  firewallRules: readonly FirewallRule[] | null;
  /** authConfig.activeDirectoryAuth: off, Entra roles are not authenticated by the server. */
  entraAuth: boolean;
  state: ServerState;
}

/** The server a connection without a server name (SNI `localhost`, an IP, none) is for. */
export const DEFAULT_SERVER = 'myserver';

const DEFAULT_POLICY: ServerPolicy = { firewallRules: null, entraAuth: true, state: 'Ready' };

/** `<name>.postgres.database.<cloud suffix>` → name (lower case), else undefined. */
export function serverNameOf(servername: string | false | null | undefined): string | undefined {
  if (!servername) return undefined;
  const m = /^([a-z0-9][a-z0-9-]*)\.postgres\.database\.[a-z0-9.-]+$/.exec(servername.toLowerCase());
  return m?.[1];
}

export class ServerPolicies {
  private readonly byName = new Map<string, ServerPolicy>();

  constructor(readonly defaultServer: string = DEFAULT_SERVER) {
    this.byName.set(defaultServer, { ...DEFAULT_POLICY });
  }

  get(name: string): ServerPolicy | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Creates the server's entry (from the defaults) or updates it. Rules are validated and copied. */
  set(name: string, patch: Partial<ServerPolicy>): ServerPolicy {
    if (patch.firewallRules) validateRules(patch.firewallRules);
    const key = name.toLowerCase();
    const next: ServerPolicy = {
      ...(this.byName.get(key) ?? DEFAULT_POLICY),
      ...patch,
      ...(patch.firewallRules !== undefined ? { firewallRules: patch.firewallRules === null ? null : patch.firewallRules.map((r) => ({ ...r })) } : {}),
    };
    this.byName.set(key, next);
    return next;
  }

  /**
   * The server a connection's SNI names. An unknown name is the default server (in the public-cloud
   * mode only known names resolve at all), so is a connection to `localhost`, an IP or no SNI.
   */
  serverFor(servername: string | false | null | undefined): string {
    const name = serverNameOf(servername);
    return name !== undefined && this.byName.has(name) ? name : this.defaultServer;
  }

  /** The server's current policy (the defaults for a name never set). */
  policyOf(name: string): ServerPolicy {
    return this.get(name) ?? { ...DEFAULT_POLICY };
  }
}
