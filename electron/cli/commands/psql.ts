// `pgentra psql PROFILE [-- psql args…]`: runs psql against a private one-shot endpoint of the
// local auth proxy (interop/psqlEndpoint.ts) that signs every connection in to the profile's
// server with a fresh Entra token. psql never holds the token, so nothing a psql script does can
// send it elsewhere.
import { PgEntraError } from '../../../shared/errors.js';
import { psqlEndpointEnv } from '../../interop/libpqEnv.js';
import { defaultPsqlTransport, startPsqlEndpoint } from '../../interop/psqlEndpoint.js';
import { connectionOverrides, pgpassTargetFor, psqlVersion, runPsql } from '../../interop/psqlLauncher.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { preflight } from '../../connect/preflight.js';
import type { CommandDefinition } from '../command.js';
import { logsInAsGroup, pimAdviceForProfile } from '../pimRefusal.js';

const HELP = `Usage: pgentra psql PROFILE [--fresh] [--tcp] [--allow-override] [-- PSQL-ARGS...]

Runs psql against the profile's server as its user, signed in with a fresh Microsoft Entra
token. psql itself never gets the token: it connects to a private local endpoint pgEntra runs
for this psql only (a Unix socket in a fresh folder only you can open, under $XDG_RUNTIME_DIR,
the data folder or TMPDIR; on Windows, or with --tcp, loopback TCP with a one-time password,
usable only against that endpoint while psql runs), and pgEntra signs each of its connections in to
the profile's server over verified TLS. So \\! env shows no token, and a \\connect to any
other server (hostaddr=, a host list, a service file, PGHOSTADDR …) does not get it. Any
database on the profile's server is fine; the role is the profile's, or the one given here
with -U. The endpoint stops when psql exits; psql's exit code is passed through.

  pgentra psql prod
  pgentra psql prod -- -c "select current_user"
  pgentra psql prod -- -d otherdb -U other-role

PSQL-ARGS that point psql at another server (-h/--host, -p/--port, or a connection string or
URI such as "host=…" or postgresql://… as -d/--dbname or argument) are refused: psql would
leave the profile's endpoint and connect there on its own, without pgEntra. Another database
(-d NAME) or role (-U NAME) on the profile's server is fine.

Options:
  --fresh            ask Entra for a new token instead of using a cached one: after activating
                     a group membership in Privileged Identity Management (PIM) or being added
                     to a group, a cached token predates the change and the server refuses it
  --tcp              loopback TCP on a random port with a one-time password (SCRAM-SHA-256, in
                     a pgpass file for that port only) instead of the Unix socket; the default
                     on Windows
  --allow-override   let PSQL-ARGS choose another host or port anyway: psql then connects there
                     itself, with no Entra token (give that server's password as usual)

Environment:
  PGENTRA_PSQL   the psql program to run (default: psql on PATH)
  PG…            libpq settings meant for a real server (PGPASSWORD, PGSERVICE, PGHOSTADDR,
                 PGREQUIREAUTH, PGCHANNELBINDING, PGSSL…) are not passed to psql: its server is
                 the local endpoint. Session settings such as PGOPTIONS and PGTZ are kept.`;

export const command: CommandDefinition = {
  name: 'psql',
  summary: 'Run psql with a fresh Entra token',
  help: HELP,
  allowPositionals: true,
  options: { 'allow-override': { type: 'boolean' }, fresh: { type: 'boolean' }, tcp: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [name, ...psqlArgs] = positionals;
    if (!name) throw new PgEntraError('invalid_input', 'Give the profile: pgentra psql PROFILE [-- psql args]', { hint: 'Profiles: pgentra profiles list' });
    // psql arguments that leave the profile's endpoint are a mistake more often than not: said before any sign-in.
    const overrides = connectionOverrides(psqlArgs);
    if (overrides.length > 0 && values['allow-override'] !== true) {
      throw new PgEntraError(
        'invalid_input',
        `psql arguments ${overrides.map((o) => `"${o}"`).join(', ')} would connect to another server than the profile's, on psql's own and without your Entra token.`,
        {
          hint: 'Create a profile for that server (pgentra profiles add), or pass --allow-override to connect there without pgEntra.',
        },
      );
    }
    const profile = await openProfileStore(ctx.dataDir).get(name);
    // The connection pre-flight, as sessions and the proxy run it: consent, host, TLS.
    const checked = preflight(profile, { dataDir: ctx.dataDir });
    const psql = ctx.env.PGENTRA_PSQL || 'psql';
    // Checks psql exists before asking for a token.
    const version = await psqlVersion(psql, ctx.env);
    const broker = await ctx.services.broker();
    // Signs in (or says why not) before psql starts, and warms the cache the endpoint's proxy reads
    // for each connection; with --fresh this is the token fetched from Entra now.
    const token = await broker.getToken({ credential: profile.credential, cloud: checked.cloudRef, signal: ctx.signal, ...(values.fresh === true ? { fresh: true } : {}) });
    ctx.services.logger.debug('starting psql', { psql, version: version?.text ?? 'unknown', profile: profile.id, expiresOn: token.expiresOn.toISOString() });
    // The shell's libpq settings for real servers would redirect psql or make it refuse the endpoint.
    const env = psqlEndpointEnv(ctx.env);
    // -U NAME on the command line is the person's choice of role on this server; a script's \connect cannot add one.
    const requested = pgpassTargetFor({ host: profile.host, port: String(profile.port), database: profile.database, user: profile.username }, psqlArgs);
    const endpoint = await startPsqlEndpoint({
      profile,
      tokenProvider: broker,
      dataDir: ctx.dataDir,
      transport: values.tcp === true ? 'tcp' : defaultPsqlTransport(),
      ...(requested.user !== profile.username && requested.user !== '*' ? { allowedUsers: [requested.user] } : {}),
      logger: ctx.services.logger.child('psql-proxy'),
      env: ctx.env,
    });
    // The last resort when pgentra is ended abruptly: the folder (and socket) must not stay behind.
    const removeAtExit = (): void => endpoint.removeSync();
    process.once('exit', removeAtExit);
    let code: number;
    try {
      Object.assign(env, {
        PGDATABASE: profile.database,
        PGUSER: profile.username,
        PGCONNECT_TIMEOUT: String(profile.connectTimeoutSeconds),
        PGAPPNAME: profile.applicationName,
        ...endpoint.env,
      });
      code = await runPsql({ psql, args: psqlArgs, env, ...(endpoint.localPassword ? { password: endpoint.localPassword } : {}) });
    } finally {
      await endpoint.close();
      process.off('exit', removeAtExit);
    }
    // The proxy saw the server refuse the group login: Graph says whether PIM is why.
    if (endpoint.membershipRefused() && logsInAsGroup(profile)) {
      const advice = await pimAdviceForProfile(ctx, profile, `run pgentra psql ${name} --fresh`);
      if (advice) ctx.stderr.write(`pgentra psql: the server refused the login as ${profile.username}: ${advice}\n`);
    }
    return code;
  },
};
