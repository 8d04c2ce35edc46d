// `pgentra logout`: removes one account (or all) and its tokens from the shared cache.
import { PgEntraError } from '../../../shared/errors.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';

export const command: CommandDefinition = {
  name: 'logout',
  summary: 'Sign out one account or all',
  help: `Usage: pgentra logout --account UPN | --all

Signs out and removes the account's tokens from the OS keychain cache.

Options:
  --account UPN   the account to sign out
  --all           sign out every account of the selected cloud`,
  options: { account: { type: 'string' }, all: { type: 'boolean' } },
  async run(ctx, { values }) {
    const account = str(values.account);
    const all = bool(values.all);
    if (!!account === all) throw new PgEntraError('invalid_input', 'Give either --account UPN or --all.');
    const broker = await ctx.services.broker();
    const removed = await broker.signOut(ctx.global.cloud, account ? { account } : { all: true });
    ctx.stdout.write(removed.length ? `Signed out ${removed.join(', ')}.\n` : 'No accounts were signed in.\n');
    return EXIT.ok;
  },
};
