// `pgentra login`: interactive sign-in in the system browser (account chooser, so a secondary
// admin ID can be picked) or device code. Adds to the accounts already signed in.
import { PgEntraError } from '../../../shared/errors.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage: pgentra login [--tenant T] [--account UPN] [--device-code] [--json]

Signs in to Microsoft Entra ID and keeps the session in the OS keychain, shared with the
pgEntra app. Run it again to add more accounts (e.g. your secondary admin ID).

Options:
  --tenant T       tenant id or domain (default: organizations, or the cloud file's tenant)
  --account UPN    pre-select this account in the chooser (login hint)
  --device-code    sign in on another device with a code (no local browser needed)
  --json           print the signed-in account as JSON`;

export const command: CommandDefinition = {
  name: 'login',
  summary: 'Sign in to Microsoft Entra ID',
  help: HELP,
  options: {
    tenant: { type: 'string' },
    account: { type: 'string' },
    'device-code': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx, { values }) {
    const tenant = str(values.tenant);
    const account = str(values.account);
    if (tenant !== undefined && !/^[A-Za-z0-9.-]+$/.test(tenant)) throw new PgEntraError('invalid_input', `"${tenant}" is not a tenant id or domain.`);
    const broker = await ctx.services.broker();
    const signedIn = bool(values['device-code'])
      ? await broker.signInWithDeviceCode(ctx.global.cloud, {
          ...(tenant ? { tenant } : {}),
          signal: ctx.signal,
          onCode: (info) => ctx.stderr.write(`${info.message}\nCode: ${info.userCode}\nURL: ${info.verificationUri}\n`),
        })
      : await broker.signInInteractive(ctx.global.cloud, {
          ...(tenant ? { tenant } : {}),
          ...(account ? { loginHint: account } : {}),
          signal: ctx.signal,
          openBrowser: async (url) => {
            const opened = await ctx.services.openBrowser(url);
            ctx.stderr.write(opened ? `Opened your browser to sign in. If it did not open, visit:\n${url}\n` : `Open this URL in a browser to sign in:\n${url}\n`);
          },
        });
    if (bool(values.json)) ctx.stdout.write(JSON.stringify({ account: signedIn.username, tenant: signedIn.tenantId, name: signedIn.name ?? null }) + '\n');
    else ctx.stdout.write(`Signed in as ${signedIn.username} (tenant ${signedIn.tenantId}).\n`);
    return EXIT.ok;
  },
};
