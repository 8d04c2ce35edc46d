// `pgentra login`: interactive sign-in in the system browser (account chooser, so a secondary
// admin ID can be picked) or device code. Adds to the accounts already signed in.
import { PgEntraError } from '../../../shared/errors.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { browserSignIn } from '../signInUi.js';

const HELP = `Usage: pgentra login [--tenant T] [--account UPN] [--device-code] [--scope postgres|management|graph] [--json]

Signs in to Microsoft Entra ID and keeps the session in the OS keychain, shared with the
pgEntra app. Run it again to add more accounts (e.g. your secondary admin ID).

Options:
  --tenant T       tenant id or domain (default: organizations, or the cloud file's tenant)
  --account UPN    pre-select this account in the chooser (login hint)
  --device-code    sign in on another device with a code (no local browser needed)
  --scope S        what to sign in for: postgres (default: the database), management (Azure
                   Resource Manager: servers, firewall rules) or graph (Microsoft Graph's PIM
                   permissions: eligible group memberships and their activation). When a
                   Conditional Access policy asks for MFA for one of them only, sign in for that
                   one: signing in for another would not ask for MFA and the refusal would repeat.
  --json           print the signed-in account as JSON`;

export const command: CommandDefinition = {
  name: 'login',
  summary: 'Sign in to Microsoft Entra ID',
  help: HELP,
  options: {
    tenant: { type: 'string' },
    account: { type: 'string' },
    'device-code': { type: 'boolean' },
    scope: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(ctx, { values }) {
    const tenant = str(values.tenant);
    const account = str(values.account);
    const scopeName = str(values.scope) ?? 'postgres';
    if (tenant !== undefined && !/^[A-Za-z0-9.-]+$/.test(tenant)) throw new PgEntraError('invalid_input', `"${tenant}" is not a tenant id or domain.`);
    if (scopeName !== 'postgres' && scopeName !== 'management' && scopeName !== 'graph') throw new PgEntraError('invalid_input', `--scope is postgres, management or graph, not "${scopeName}".`);
    const broker = await ctx.services.broker();
    const scopes = broker.scopesFor(ctx.global.cloud, scopeName);
    const signedIn = bool(values['device-code'])
      ? await broker.signInWithDeviceCode(ctx.global.cloud, {
          ...(tenant ? { tenant } : {}),
          scopes,
          signal: ctx.signal,
          onCode: (info) => ctx.stderr.write(`${info.message}\nCode: ${info.userCode}\nURL: ${info.verificationUri}\n`),
        })
      : await broker.signInInteractive(ctx.global.cloud, {
          ...(tenant ? { tenant } : {}),
          ...(account ? { loginHint: account } : {}),
          scopes,
          signal: ctx.signal,
          ...browserSignIn(ctx),
        });
    if (bool(values.json)) ctx.stdout.write(JSON.stringify({ account: signedIn.username, tenant: signedIn.tenantId, name: signedIn.name ?? null }) + '\n');
    else
      ctx.stdout.write(
        `Signed in as ${signedIn.username} (tenant ${signedIn.tenantId})${scopeName === 'management' ? ' for Azure Resource Manager' : scopeName === 'graph' ? ' for Microsoft Graph (PIM)' : ''}.\n`,
      );
    return EXIT.ok;
  },
};
