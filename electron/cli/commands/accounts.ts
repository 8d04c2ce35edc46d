// `pgentra accounts`: the accounts signed in for the selected cloud.
import { bool, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';

export const command: CommandDefinition = {
  name: 'accounts',
  summary: 'List signed-in accounts',
  help: `Usage: pgentra accounts [--json]

Lists the accounts signed in (in the OS keychain cache shared with the pgEntra app).

Options:
  --json   print [{username, name, tenantId, homeAccountId, environment}]`,
  options: { json: { type: 'boolean' } },
  async run(ctx, { values }) {
    const broker = await ctx.services.broker();
    const list = await broker.listAccounts(ctx.global.cloud);
    if (bool(values.json)) {
      ctx.stdout.write(JSON.stringify(list, null, 2) + '\n');
    } else if (list.length === 0) {
      ctx.stdout.write('No accounts signed in. Run: pgentra login\n');
    } else {
      for (const a of list) ctx.stdout.write(`${a.username}\t${a.tenantId}${a.name ? `\t${a.name}` : ''}\n`);
    }
    return EXIT.ok;
  },
};
