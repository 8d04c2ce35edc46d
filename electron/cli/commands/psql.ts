// `pgentra psql PROFILE [-- psql args…]`: runs psql connected to the profile's server with a fresh
// Entra token in a temporary pgpass file for that server only (PGPASSFILE, removed when psql
// exits) — not in psql's environment, never on a command line, never printed.
import { PgEntraError } from '../../../shared/errors.js';
import { CONFLICTING_LIBPQ_VARS, libpqEnvFor } from '../../interop/libpqEnv.js';
import { connectionOverrides, pgpassTargetFor, psqlVersion, runPsql, supportsSystemRootCert } from '../../interop/psqlLauncher.js';
import { sslRootCertFor } from '../../interop/runtime.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { preflight } from '../../connect/preflight.js';
import type { CommandDefinition } from '../command.js';
import { logsInAsGroup, pimAdviceForProfile } from '../pimRefusal.js';

/** psql's exit code when it could not connect (or lost the connection) outside an interactive session. */
const PSQL_CONNECTION_FAILED = 2;

const HELP = `Usage: pgentra psql PROFILE [--fresh] [--allow-override] [-- PSQL-ARGS...]

Runs psql against the profile's server as its user, with a fresh Microsoft Entra token as the
password. The token is in a temporary password file (PGPASSFILE, readable only by you, removed
when psql exits) that matches only the profile's host, port, database and user: it is not in
psql's environment (\\! env does not show it), and a \\connect to another server or database
does not send it. psql's exit code is passed through.

  pgentra psql prod
  pgentra psql prod -- -c "select current_user"
  pgentra psql prod -- -d otherdb -U other-role

The token goes to whatever server psql connects to. PSQL-ARGS that point psql at another server
(-h/--host, -p/--port, or a connection string or URI such as "host=…" or postgresql://… as
-d/--dbname or argument) are refused: that server would receive your Entra token and could replay
it against every Azure PostgreSQL server you can reach. Another database (-d NAME) or role
(-U NAME) on the profile's server is fine.

Options:
  --fresh            ask Entra for a new token instead of using a cached one: after activating
                     a group membership in Privileged Identity Management (PIM) or being added
                     to a group, a cached token predates the change and the server refuses it
  --allow-override   let PSQL-ARGS choose another host or port anyway (you trust that server
                     with your token); better: a profile for that server. With a connection
                     string or URI the password file matches any server psql connects to

Environment:
  PGENTRA_PSQL   the psql program to run (default: psql on PATH)`;

export const command: CommandDefinition = {
  name: 'psql',
  summary: 'Run psql with a fresh Entra token',
  help: HELP,
  allowPositionals: true,
  options: { 'allow-override': { type: 'boolean' }, fresh: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [name, ...psqlArgs] = positionals;
    if (!name) throw new PgEntraError('invalid_input', 'Give the profile: pgentra psql PROFILE [-- psql args]', { hint: 'Profiles: pgentra profiles list' });
    // Before any token exists: psql arguments must not send it to a server the profile does not name.
    const overrides = connectionOverrides(psqlArgs);
    if (overrides.length > 0 && values['allow-override'] !== true) {
      throw new PgEntraError('invalid_input', `psql arguments ${overrides.map((o) => `"${o}"`).join(', ')} would connect to another server than the profile's, which would receive your Entra token.`, {
        hint: 'Create a profile for that server (pgentra profiles add), or pass --allow-override if you trust it with your token.',
      });
    }
    const profile = await openProfileStore(ctx.dataDir).get(name);
    // The connection pre-flight, as sessions and the proxy run it: consent, host, TLS.
    const checked = preflight(profile, { dataDir: ctx.dataDir });
    const psql = ctx.env.PGENTRA_PSQL || 'psql';
    // Checks psql exists before asking for a token, and whether its libpq knows sslrootcert=system.
    const version = await psqlVersion(psql, ctx.env);
    const root = await sslRootCertFor(profile, ctx.dataDir, supportsSystemRootCert(version));
    const broker = await ctx.services.broker();
    const token = await broker.getToken({ credential: profile.credential, cloud: checked.cloudRef, signal: ctx.signal, ...(values.fresh === true ? { fresh: true } : {}) });
    ctx.services.logger.debug('starting psql', { psql, version: version?.text ?? 'unknown', profile: profile.id, expiresOn: token.expiresOn.toISOString() });
    const env: NodeJS.ProcessEnv = { ...ctx.env };
    for (const k of CONFLICTING_LIBPQ_VARS) delete env[k];
    Object.assign(env, libpqEnvFor(profile, root));
    const target = pgpassTargetFor({ host: profile.host, port: String(profile.port), database: profile.database, user: profile.username }, psqlArgs);
    const code = await runPsql({ psql, args: psqlArgs, env, password: { target, value: token.token } });
    // psql logs in itself and has said why it failed; when it may have been PIM, Graph says whether it was.
    if (code === PSQL_CONNECTION_FAILED && logsInAsGroup(profile)) {
      const advice = await pimAdviceForProfile(ctx, profile, `run pgentra psql ${name} --fresh`);
      if (advice)
        ctx.stderr.write(`pgentra psql: if the server refused the login as ${profile.username}: ${advice}
`);
    }
    return code;
  },
};
