// `pgentra servers list|show`: the flexible servers an account can see in Azure Resource Manager
// (same sign-in as its database tokens), and one server's Entra settings, admins and the findings
// that need no username. Also the small helpers the other Azure commands (firewall, profiles add
// --from-azure) share: the ARM caller from the CLI's options, and the service, loaded lazily so
// `pgentra token` never loads the Azure SDK.
import path from 'node:path';
import { z } from 'zod';
import { AzureNoteSchema, AzureServerSchema, EntraAdminSchema, PreflightFindingSchema, ServerListingSchema, type AzureNote, type AzureServer, type PreflightFinding } from '../../../shared/azure.js';
import { isBuiltinCloudName } from '../../../shared/clouds.js';
import type { Credential } from '../../../shared/credential.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { ArmCaller, AzureService } from '../../azure/azureService.js';
import { bool, str, type CommandDefinition } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { withCliStepUp } from '../signInUi.js';

const HELP = `Usage:
  pgentra servers list [--subscription ID] [--account UPN] [--device-code] [--json]
  pgentra servers show NAME|FQDN|RESOURCE_ID [--account UPN] [--device-code] [--json]

Asks Azure Resource Manager, with the same sign-in as your database tokens, which Azure
Database for PostgreSQL flexible servers the account can see: every subscription it can read,
every page. A subscription whose servers it may not read (403) is a note on stderr, not a
failure. The account needs Reader (or any role with Microsoft.DBforPostgreSQL/flexibleServers/
read) on the subscription, resource group or server.

  list   a table: NAME, RESOURCE GROUP, SUBSCRIPTION, LOCATION, VERSION, STATE, ENTRA (Microsoft
         Entra authentication on/off), NETWORK (public, private = public access disabled, vnet =
         VNet-integrated) and FQDN
  show   one server by name, host name or resource id: its settings, its Microsoft Entra
         admins, and what would stop a connection (stopped, Entra authentication off, private
         network) with what to do about it

Options:
  --subscription ID   list only this subscription
  --account UPN       the signed-in account to ask with (default: the only one signed in to
                      the cloud; with several, pass this)
  --device-code       when Azure asks for more (MFA for Resource Manager), sign in with a code
                      instead of the browser
  --json              list: {"subscriptions":[…],"servers":[…],"notes":[…]};
                      show: {"server":{…},"admins":[…]|null,"findings":[…],"notes":[…]}

Examples:
  pgentra servers list
  pgentra servers show myserver
  pgentra profiles add prod --from-azure myserver`;

export const ServerShowSchema = z.object({
  server: AzureServerSchema,
  admins: z.array(EntraAdminSchema).nullable(),
  findings: z.array(PreflightFindingSchema),
  notes: z.array(AzureNoteSchema),
});

export const command: CommandDefinition = {
  name: 'servers',
  summary: 'List the flexible servers an account can see in Azure, or show one with its Entra admins',
  help: HELP,
  allowPositionals: true,
  options: { subscription: { type: 'string' }, account: { type: 'string' }, 'device-code': { type: 'boolean' }, json: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    const caller = armCallerFrom(ctx, str(values.account));
    const json = bool(values.json);
    const deviceCode = bool(values['device-code']);
    switch (sub) {
      case 'list':
      case 'ls':
        if (rest.length) throw new PgEntraError('invalid_input', `Unexpected argument "${rest[0]}".`, { hint: 'See pgentra servers --help.' });
        return withCliStepUp(ctx, 'list your servers', deviceCode, () => list(ctx, caller, str(values.subscription), json));
      case 'show': {
        const [server, ...extra] = rest;
        if (!server) throw new PgEntraError('invalid_input', 'Give the server: pgentra servers show NAME|FQDN|RESOURCE_ID', { hint: 'pgentra servers list shows them.' });
        if (extra.length) throw new PgEntraError('invalid_input', `Unexpected argument "${extra[0]}".`, { hint: 'See pgentra servers --help.' });
        if (str(values.subscription) !== undefined) throw new PgEntraError('invalid_input', '--subscription goes with servers list; show takes a name, host name or resource id.');
        return withCliStepUp(ctx, 'read the server', deviceCode, () => show(ctx, caller, server, json));
      }
      case undefined:
        throw new PgEntraError('invalid_input', 'Say what to do: list or show.', { hint: 'See pgentra servers --help.' });
      default:
        throw new PgEntraError('invalid_input', `Unknown servers command "${sub}": use list or show.`);
    }
  },
};

/** The ARM caller for the CLI's options: the global --cloud (a file relative to the working folder) and --account. */
export function armCallerFrom(ctx: CliContext, account: string | undefined, credential?: Credential): ArmCaller {
  const cloud = isBuiltinCloudName(ctx.global.cloud) ? ctx.global.cloud : path.resolve(ctx.cwd, ctx.global.cloud);
  return { cloud, credential: credential ?? { kind: 'interactive', ...(account ? { account } : {}) }, signal: ctx.signal };
}

/** The Azure service over this command's broker (the SDK loads only here). */
export async function azureServiceFor(ctx: CliContext): Promise<AzureService> {
  const [{ createAzureService }, { envProxyResolver }, tokens] = await Promise.all([import('../../azure/index.js'), import('../../net/proxyConfig.js'), ctx.services.broker()]);
  return createAzureService({ tokens, dataDir: ctx.dataDir, logger: ctx.services.logger, resolveProxy: envProxyResolver(ctx.env) });
}

/** ARM's text may hold anything: no control characters reach the terminal. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

export function networkLabel(s: AzureServer): string {
  if (s.privateNetwork) return 'vnet';
  return s.publicNetworkAccess === 'disabled' ? 'private' : s.publicNetworkAccess === 'enabled' ? 'public' : 'unknown';
}

const onOff = (t: AzureServer['entraAuth']): string => (t === 'enabled' ? 'on' : t === 'disabled' ? 'off' : '?');

export function formatTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function writeNotes(ctx: CliContext, notes: readonly AzureNote[]): void {
  for (const n of notes) ctx.stderr.write(`note: ${plain(n.message)}\n`);
}

export function formatFindings(findings: readonly PreflightFinding[]): string {
  return findings.map((f) => `  [${f.severity}] ${plain(f.message)}\n      → ${plain(f.action)}\n`).join('');
}

async function list(ctx: CliContext, caller: ArmCaller, subscriptionId: string | undefined, json: boolean): Promise<number> {
  const azure = await azureServiceFor(ctx);
  const listing = await azure.listServers(caller, subscriptionId ? { subscriptionId } : {});
  if (json) {
    ctx.stdout.write(JSON.stringify(ServerListingSchema.parse(listing), null, 2) + '\n');
  } else if (listing.servers.length === 0) {
    ctx.stdout.write(`No flexible servers in the ${listing.subscriptions.length} subscription(s) the account can read.\n`);
  } else {
    const subName = new Map(listing.subscriptions.map((s) => [s.subscriptionId.toLowerCase(), s.displayName]));
    const sorted = [...listing.servers].sort(
      (a, b) => (subName.get(a.subscriptionId.toLowerCase()) ?? '').localeCompare(subName.get(b.subscriptionId.toLowerCase()) ?? '') || a.name.localeCompare(b.name),
    );
    const rows = [
      ['NAME', 'RESOURCE GROUP', 'SUBSCRIPTION', 'LOCATION', 'VERSION', 'STATE', 'ENTRA', 'NETWORK', 'FQDN'],
      ...sorted.map((s) =>
        [s.name, s.resourceGroup, subName.get(s.subscriptionId.toLowerCase()) ?? s.subscriptionId, s.location, s.version ?? '', s.state ?? '', onOff(s.entraAuth), networkLabel(s), s.fqdn ?? ''].map(
          plain,
        ),
      ),
    ];
    ctx.stdout.write(formatTable(rows));
  }
  if (!json) writeNotes(ctx, listing.notes);
  return EXIT.ok;
}

async function show(ctx: CliContext, caller: ArmCaller, query: string, json: boolean): Promise<number> {
  const azure = await azureServiceFor(ctx);
  const d = await azure.getServer(caller, query);
  if (json) {
    ctx.stdout.write(JSON.stringify(ServerShowSchema.parse(d), null, 2) + '\n');
    return EXIT.ok;
  }
  const s = d.server;
  const rows: [string, string][] = [
    ['Name', s.name],
    ['Host', s.fqdn ?? '(not yet known)'],
    ['Resource id', s.id],
    ['Subscription', s.subscriptionId],
    ['Resource group', s.resourceGroup],
    ['Location', s.location],
    ['Version', s.version ?? 'unknown'],
    ['State', s.state ?? 'unknown'],
    ['SKU', s.sku ?? 'unknown'],
    ['Entra auth', s.entraAuth],
    ['Password auth', s.passwordAuth],
    ['Entra tenant', s.entraTenantId ?? 'unknown'],
    ['Network', `${networkLabel(s)} (public access ${s.publicNetworkAccess})`],
    ['Replication', s.replicationRole ?? 'unknown'],
    ['Admin login', `${s.administratorLogin ?? 'none'} (password role, not Entra)`],
  ];
  let out = rows.map(([k, v]) => `${k.padEnd(16)}${plain(v)}\n`).join('');
  out += '\nMicrosoft Entra admins:\n';
  if (d.admins === null) out += '  (Azure Resource Manager did not list them; see the note below)\n';
  else if (d.admins.length === 0) out += '  (none)\n';
  else out += d.admins.map((a) => `  ${plain(a.principalName)}  (${plain(a.principalType)}, object id ${a.objectId})\n`).join('');
  out += d.findings.length ? `\nBefore connecting:\n${formatFindings(d.findings)}` : '\nNothing in its settings stops an Entra connection.\n';
  ctx.stdout.write(out);
  writeNotes(ctx, d.notes);
  return EXIT.ok;
}
