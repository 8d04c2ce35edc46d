// azure.*: Browse Azure and the firewall fix. The browse view names a signed-in account; its ARM
// token comes from the same MSAL cache as its database tokens (`interactive` credential on the
// given cloud, or the app's default cloud). Everything else names a saved profile, never a host.
import { PgEntraError } from '../../../shared/errors.js';
import { ProfileInputSchema, cloudRef, type Cloud } from '../../../shared/profile.js';
import type { ArmCaller } from '../../azure/azureService.js';
import { stepUpReason, withStepUp } from '../../auth/stepUp.js';
import type { ConnectPreflight } from '../connectPreflight.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type AzureHandlers = Pick<Handlers, 'azure.listServers' | 'azure.getServer' | 'azure.proposeProfile' | 'azure.checkProfile' | 'azure.allowMyIp'>;

export function azureHandlers(s: Pick<Services, 'azure' | 'profiles' | 'defaultCloud' | 'accounts' | 'confirmDecision'>, preflight: Pick<ConnectPreflight, 'offered'>): AzureHandlers {
  const caller = ({ cloud, account }: { cloud?: Cloud | undefined; account: string }): ArmCaller => ({
    cloud: cloud === undefined ? (s.defaultCloud ?? 'public') : cloudRef(cloud),
    credential: { kind: 'interactive', account },
  });
  return {
    'azure.listServers': (req) => s.azure.listServers(caller(req), req.subscriptionId ? { subscriptionId: req.subscriptionId } : {}),
    'azure.getServer': async (req) => {
      const d = await s.azure.getServer(caller(req), req.server);
      return { server: d.server, admins: d.admins, findings: d.findings, notes: d.notes };
    },
    'azure.proposeProfile': async (req) => {
      const p = await s.azure.proposeProfile(caller(req), req.server);
      // Parsed here so the editor gets the defaults filled in, and a malformed proposal is a bug, not a form.
      return { profile: ProfileInputSchema.parse(p.profile), usernameChoices: p.usernameChoices, server: p.server };
    },
    'azure.checkProfile': async ({ profileId }) => s.azure.checkProfile(await s.profiles.get(profileId)),
    'azure.allowMyIp': async ({ profileId, ip, ruleName }) => {
      const profile = await s.profiles.get(profileId);
      // The address must be one the server reported when it refused this profile (never an
      // address a renderer made up).
      if (!preflight.offered(profileId, ip, ruleName)) {
        throw new PgEntraError(
          'invalid_input',
          `pgEntra adds a firewall rule only for the address ${profile.host} reported when it refused this profile’s connection, and ${ip} (${ruleName}) was not one.`,
          {
            details: { fields: 'ip', ip },
            hint: 'Connect again: if the firewall refuses it, the diagnostics offer “Allow my IP…” with the address the server saw.',
          },
        );
      }
      // The renderer's dialog only asked: the main process's own dialog decides (fail closed without one).
      const server = profile.azure?.resourceId.split('/').pop() ?? profile.host.split('.')[0] ?? profile.host;
      const yes = s.confirmDecision ? await s.confirmDecision({ kind: 'firewall-rule', profileName: profile.name, host: profile.host, server, ruleName, ip }) : false;
      if (!yes) throw new PgEntraError('confirmation_required', `Adding the firewall rule ${ruleName} (${ip}) to ${server} was not confirmed; the firewall was not changed.`);
      // Azure's mandatory MFA for writes: a sign-in without MFA gets a claims challenge. The person
      // asked for this change, so the step-up starts at once (the dialog shows why), then one retry.
      const r = await withStepUp(
        () => s.azure.allowIp(profile, ip, { ruleName }),
        async (challenge, error) => {
          if (!s.accounts.stepUp) throw error;
          await s.accounts.stepUp(challenge, stepUpReason(challenge, 'change firewall rules', error));
        },
      );
      return { ruleName: r.ruleName, startIpAddress: r.startIpAddress, endIpAddress: r.endIpAddress };
    },
  };
}
