// The interface the app's IPC handlers and the CLI use for Azure Resource Manager: discovery,
// per-server pre-flight checks, a profile proposed from a server, and the "Allow my IP" firewall
// rule. Implemented in this folder over the token broker (same account and MSAL cache as the
// database token, scope `<managementEndpoint>/.default`).
import type { AzureNote, AzureServer, EntraAdmin, PreflightFinding, ServerCheck, ServerListing, UsernameChoice } from '../../shared/azure.js';
import type { Credential } from '../../shared/credential.js';
import type { Profile, ProfileInput } from '../../shared/profile.js';

/** Who asks ARM: the cloud ref (`public` | `usgov` | `china` | custom cloud file) and the credential (the account pinned). */
export interface ArmCaller {
  cloud: string;
  credential: Credential;
  signal?: AbortSignal;
}

export interface ServerDetails {
  server: AzureServer;
  /** null when ARM refused the administrators list (403): shown as a note. */
  admins: EntraAdmin[] | null;
  /** Findings that do not depend on a username (stopped, Entra off, private network). */
  findings: PreflightFinding[];
  /** What could not be read on the way (subscriptions searched for a name, the admins list): 403s and the like. */
  notes: AzureNote[];
}

export interface ProfileProposal {
  /** A profile to confirm (never saved by this call): FQDN, 5432, postgres, account pinned, cloud, azure.resourceId. */
  profile: ProfileInput;
  /** Usernames to choose from, best first; `profile.username` is the first unless the caller gave one. */
  usernameChoices: UsernameChoice[];
  server: AzureServer;
}

export interface FirewallRuleResult {
  ruleName: string;
  startIpAddress: string;
  endIpAddress: string;
  server: AzureServer;
}

export interface AzureService {
  /** Subscriptions → flexible servers (every page). One unreadable subscription is a note, not a failure. */
  listServers(caller: ArmCaller, opts?: { subscriptionId?: string }): Promise<ServerListing>;
  /** A server by name (searched across subscriptions), FQDN or resource id, with its Entra admins. */
  getServer(caller: ArmCaller, server: string): Promise<ServerDetails>;
  /** A profile for the server: the username from the admins list (a Group admin the account is in, the account as a User admin) or the account's UPN. */
  proposeProfile(caller: ArmCaller, server: string, opts?: { name?: string; username?: string }): Promise<ProfileProposal>;
  /**
   * The pre-flight checks of a saved profile against ARM (its `azure.resourceId`, else its host).
   * `refusal`: the error of a failed login, so firewall refusals get the "Allow my IP" fix.
   * Never throws for ARM trouble: that becomes an `azure_unavailable` finding.
   */
  /**
   * `stepUp: 'throw'`: a claims challenge (MFA for Resource Manager) is thrown (StepUpRequired) for
   * a caller that can answer it, instead of becoming a finding.
   */
  checkProfile(profile: Profile, opts?: { refusal?: unknown; signal?: AbortSignal; stepUp?: 'throw' }): Promise<ServerCheck>;
  /** Creates or updates the one-address rule on the profile's server and waits for the operation to finish. */
  allowIp(profile: Profile, ip: string, opts?: { ruleName?: string; signal?: AbortSignal }): Promise<FirewallRuleResult>;
}
