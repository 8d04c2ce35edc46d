// `pgentra env PROFILE`: the libpq connection variables of a profile, quoted for eval in sh,
// PowerShell or cmd. The token only with --with-token (then it is on stdout: the caller asked).
import { PgEntraError } from '../../../shared/errors.js';
import { libpqEnvFor } from '../../interop/libpqEnv.js';
import { psqlVersion, supportsSystemRootCert } from '../../interop/psqlLauncher.js';
import { sslRootCertFor } from '../../interop/runtime.js';
import { preflight } from '../../connect/preflight.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { envAssignment, type EnvShell } from '../../../shared/shellQuote.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage: pgentra env PROFILE [--shell sh|pwsh|cmd] [--with-token]

Prints PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE, PGSSLROOTCERT, PGCONNECT_TIMEOUT and
PGAPPNAME for the profile, quoted for the shell. No token unless --with-token.

  eval "$(pgentra env prod)" && PGPASSWORD="$(pgentra token prod)" psql
  pgentra env prod --shell pwsh | Invoke-Expression

Options:
  --shell SHELL   sh (default on macOS/Linux), pwsh (default on Windows) or cmd
  --with-token    also print PGPASSWORD with a fresh token (it is then in your shell's
                  environment and visible to its child processes)`;

function shellOf(v: string | undefined): EnvShell {
  if (v === undefined) return process.platform === 'win32' ? 'pwsh' : 'sh';
  if (v === 'sh' || v === 'bash' || v === 'zsh') return 'sh';
  if (v === 'pwsh' || v === 'powershell') return 'pwsh';
  if (v === 'cmd') return 'cmd';
  throw new PgEntraError('invalid_input', `--shell must be sh, pwsh or cmd, not "${v}".`);
}

export const command: CommandDefinition = {
  name: 'env',
  summary: 'Print libpq environment variables for a profile',
  help: HELP,
  allowPositionals: true,
  options: { shell: { type: 'string' }, 'with-token': { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [name, extra] = positionals;
    if (!name) throw new PgEntraError('invalid_input', 'Give the profile: pgentra env PROFILE');
    if (extra !== undefined) throw new PgEntraError('invalid_input', `Unexpected argument "${extra}".`);
    const shell = shellOf(str(values.shell));
    const profile = await openProfileStore(ctx.dataDir).get(name);
    // The shared pre-flight even without a token: these variables point libpq at the server and CA.
    const checked = preflight(profile, { dataDir: ctx.dataDir });
    const psql = ctx.env.PGENTRA_PSQL || 'psql';
    const version = await psqlVersion(psql, ctx.env).catch(() => undefined);
    const vars: Record<string, string> = libpqEnvFor(profile, await sslRootCertFor(profile, ctx.dataDir, supportsSystemRootCert(version)));
    if (bool(values['with-token'])) {
      const broker = await ctx.services.broker();
      vars.PGPASSWORD = (await broker.getToken({ credential: profile.credential, cloud: checked.cloudRef, signal: ctx.signal })).token;
    }
    let text: string;
    try {
      text =
        Object.entries(vars)
          .map(([k, v]) => envAssignment(shell, k, v))
          .join('\n') + '\n';
    } catch (e) {
      throw new PgEntraError('invalid_input', e instanceof Error ? e.message : String(e));
    }
    ctx.stdout.write(text);
    return EXIT.ok;
  },
};
