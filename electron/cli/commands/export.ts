// `pgentra export pgadmin|pgservice`: server profiles for other tools. The pgAdmin file makes
// pgAdmin run `pgentra token <profile-id>` for the password; pg_service.conf has the connection
// settings for psql & co. (direct, or through the local proxy with --via-proxy). Neither contains a token.
import { PgEntraError } from '../../../shared/errors.js';
import { profileNameKey, type Profile } from '../../../shared/profile.js';
import { writeOutput } from '../../interop/outputFile.js';
import { exportPgAdminJson } from '../../interop/pgadminService.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, TOKEN_COMMAND_MIN_VALIDITY_SECONDS, reuseOutlivesToken } from '../../interop/passwordExecTiming.js';
import { buildPgServiceConf, buildProxyPgServiceConf } from '../../interop/pgService.js';
import { defaultSocketDir } from '../../proxy/listener.js';
import { sslRootCertFor } from '../../interop/runtime.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { quotePosix, targetOsFor, type TargetOs } from '../../../shared/shellQuote.js';
import { bool, str, type CommandDefinition, type OptionValues } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage:
  pgentra export pgadmin [--out FILE] [--for windows|macos|linux] [--password-exec-expiration SECS]
                         [--cli PATH] [--sslrootcert PATH] [PROFILE ... | --folder F ...]
  pgentra export pgservice [--out FILE] [--via-proxy] [PROFILE ... | --folder F ...]

pgadmin: writes a servers.json for pgAdmin 4 (File → Import Servers, or
  setup.py load-servers FILE). Each server's password command runs
  \`pgentra token <profile-id>\`, so pgAdmin gets a fresh Entra token by itself.
  In pgAdmin, do not tick "Save password": a saved password overrides the command.
  pgAdmin in server mode runs password commands only with ENABLE_SERVER_PASS_EXEC_CMD = True.
pgservice: writes pg_service.conf sections, for
  PGPASSWORD="$(pgentra token NAME)" psql "service=NAME"
  With --via-proxy the sections point at the local pgEntra proxy instead (127.0.0.1, the
  profile's proxy port, sslmode=disable over loopback, no password needed):
  pgentra proxy NAME   then   psql "service=NAME"

Options:
  --out FILE                  write to FILE (mode 0600); default or "-": stdout
  --for OS                    shell quoting for the OS pgAdmin runs on (default: this one)
  --password-exec-expiration SECS
                              how long pgAdmin reuses a token before it runs the command again
                              (default ${PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS}: pgentra token hands out tokens with at least
                              ${TOKEN_COMMAND_MIN_VALIDITY_SECONDS} s left, so a reused one never expires; 0: run it for
                              every new connection, one pgEntra start each)
  --cli PATH                  absolute path of the pgentra launcher pgAdmin should run
                              (default: this installation; env PGENTRA_CLI_PATH)
  --sslrootcert PATH          root certificate file to put in the export (default: a bundle of
                              the system roots written to the pgEntra data folder, or the custom
                              cloud's CA file)
  --folder F                  only profiles in this folder (repeatable)
  --via-proxy                 (pgservice) sections for the local pgEntra proxy: host 127.0.0.1 and
                              each profile's proxy port — the one \`pgentra proxy\` remembers in
                              proxy-ports.json (assigned now if the profile has none yet, so both
                              agree). For a proxy started with --port, --address or --unix-socket,
                              edit the section to match.

Examples:
  pgentra export pgadmin --out ~/pgentra-servers.json
  pgentra export pgservice --via-proxy --out ~/.pg_service.conf
  pgentra proxy prod   # in another terminal, then:
  psql "service=prod"`;

export const command: CommandDefinition = {
  name: 'export',
  summary: 'Export profiles for pgAdmin (password command) or pg_service.conf',
  help: HELP,
  allowPositionals: true,
  options: {
    out: { type: 'string', short: 'o' },
    for: { type: 'string' },
    'password-exec-expiration': { type: 'string' },
    cli: { type: 'string' },
    sslrootcert: { type: 'string' },
    folder: { type: 'string', multiple: true },
    'via-proxy': { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const [kind, ...names] = positionals;
    if (kind === 'pgadmin') return exportPgAdmin(ctx, values, names);
    if (kind === 'pgservice') return exportPgService(ctx, values, names);
    throw new PgEntraError('invalid_input', kind ? `Unknown export format "${kind}": use pgadmin or pgservice.` : 'Say what to export: pgadmin or pgservice.', {
      hint: 'See pgentra export --help.',
    });
  },
};

function targetOs(v: string | undefined): TargetOs {
  if (v === undefined) return targetOsFor(process.platform);
  if (v === 'windows' || v === 'macos' || v === 'linux') return v;
  throw new PgEntraError('invalid_input', `--for must be windows, macos or linux, not "${v}".`);
}

function folders(values: OptionValues): string[] {
  const f = values.folder;
  return Array.isArray(f) ? f.filter((x): x is string => typeof x === 'string') : typeof f === 'string' ? [f] : [];
}

/** Profiles named/id'd on the command line and those in --folder, in store order; all when none given. */
export async function selectProfiles(ctx: CliContext, names: readonly string[], folderList: readonly string[]): Promise<Profile[]> {
  const store = openProfileStore(ctx.dataDir);
  const all = await store.list();
  if (names.length === 0 && folderList.length === 0) return all;
  const wanted = new Set<string>();
  for (const n of names) wanted.add((await store.get(n)).id);
  const folderKeys = new Set(folderList.map((f) => profileNameKey(f)));
  for (const p of all) if (folderKeys.has(profileNameKey(p.folder))) wanted.add(p.id);
  const picked = all.filter((p) => wanted.has(p.id));
  if (picked.length === 0) throw new PgEntraError('not_found', `No profiles in folder ${folderList.map((f) => `"${f}"`).join(', ')}.`);
  return picked;
}

function expiration(v: string | undefined): number {
  if (v === undefined) return PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new PgEntraError('invalid_input', '--password-exec-expiration must be a whole number of seconds (0 = for every new connection).');
  return n;
}

async function exportPgAdmin(ctx: CliContext, values: OptionValues, names: string[]): Promise<number> {
  if (bool(values['via-proxy'])) {
    throw new PgEntraError('invalid_input', '--via-proxy applies to export pgservice only: pgAdmin gets fresh tokens through its password command.', {
      hint: 'To use the proxy from pgAdmin, add a server with host 127.0.0.1 and the port `pgentra proxy` prints.',
    });
  }
  const os = targetOs(str(values.for));
  const passwordExecExpiration = expiration(str(values['password-exec-expiration']));
  if (reuseOutlivesToken(passwordExecExpiration)) {
    ctx.stderr.write(
      `Warning: with --password-exec-expiration ${passwordExecExpiration} pgAdmin may log in with a token that expired: ` +
        `pgentra token guarantees ${TOKEN_COMMAND_MIN_VALIDITY_SECONDS} s; the default is ${PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS}.\n`,
    );
  }
  const profiles = await selectProfiles(ctx, names, folders(values));
  if (profiles.length === 0) throw new PgEntraError('not_found', 'There are no server profiles to export.', { hint: 'Add one: pgentra profiles add NAME --host H --user U' });
  const cliPath = str(values.cli);
  const sslRootCert = str(values.sslrootcert);
  const json = await exportPgAdminJson(profiles, {
    dataDir: ctx.dataDir,
    os,
    env: ctx.env,
    passwordExecExpiration,
    ...(cliPath ? { cliPath } : {}),
    ...(sslRootCert ? { sslRootCert } : {}),
  });
  const written = await writeOutput(json, str(values.out), ctx.cwd, ctx.stdout);
  if (os !== targetOsFor(process.platform)) {
    ctx.stderr.write(`Note: the paths in the export are this machine's; on ${os} pass --cli and --sslrootcert with that machine's paths.\n`);
  }
  if (written) {
    ctx.stderr.write(
      `Wrote ${profiles.length} server(s) to ${written}. In pgAdmin: Tools/File → Import Servers. ` + `Leave "Save password" unticked: a saved password overrides the pgEntra command.\n`,
    );
  }
  return EXIT.ok;
}

async function exportPgService(ctx: CliContext, values: OptionValues, names: string[]): Promise<number> {
  if (str(values.for) !== undefined || str(values.cli) !== undefined || str(values['password-exec-expiration']) !== undefined) {
    throw new PgEntraError('invalid_input', '--for, --cli and --password-exec-expiration apply to export pgadmin only.');
  }
  const viaProxy = bool(values['via-proxy']);
  if (viaProxy && str(values.sslrootcert) !== undefined) {
    throw new PgEntraError('invalid_input', '--sslrootcert does not apply with --via-proxy: psql talks to the local proxy without TLS, and the proxy verifies the server itself.');
  }
  const profiles = await selectProfiles(ctx, names, folders(values));
  let text: string;
  if (viaProxy) {
    const ports = await proxyPortsFor(ctx.dataDir, profiles);
    // Where `pgentra proxy` listens by default: its private Unix socket folder (TCP on Windows).
    const address = process.platform === 'win32' ? undefined : defaultSocketDir(ctx.dataDir, ctx.env);
    text = buildProxyPgServiceConf(profiles, { proxyPortFor: (p) => ports.get(p.id) as number, ...(address ? { address } : {}) });
  } else {
    const fixedRoot = str(values.sslrootcert);
    // Any libpq version may read the file: a real PEM file works for all, "system" only for ≥ 16.
    const roots = new Map<string, string>();
    for (const p of profiles) roots.set(p.id, fixedRoot ?? (await sslRootCertFor(p, ctx.dataDir, false)));
    text = buildPgServiceConf(profiles, { sslRootCertFor: (p) => roots.get(p.id) ?? '', dataDir: ctx.dataDir });
  }
  const written = await writeOutput(text, str(values.out), ctx.cwd, ctx.stdout);
  if (written) ctx.stderr.write(`Wrote ${profiles.length} service(s) to ${written}. Point PGSERVICEFILE at it or copy the sections to ~/.pg_service.conf.\n`);
  if (viaProxy && profiles.length > 0) {
    ctx.stderr.write(`Start the proxy before connecting: pgentra proxy ${profiles.map((p) => quotePosix(p.name)).join(' ')}\n`);
  }
  return EXIT.ok;
}

/**
 * Each profile's proxy port exactly as `pgentra proxy` picks it: the remembered one, else the
 * lowest free one from 6432 up, remembered now so the proxy started later uses the same.
 * (Same rule as commands/proxy.ts: a port another program holds is not handed out.)
 */
async function proxyPortsFor(dataDir: string, profiles: readonly Profile[]): Promise<Map<string, number>> {
  const [{ PortRegistry }, { DEFAULT_PROXY_ADDRESS }] = await Promise.all([import('../../proxy/portRegistry.js'), import('../../proxy/addressPolicy.js')]);
  return new PortRegistry(dataDir).assignFree(
    profiles.map((p) => p.id),
    DEFAULT_PROXY_ADDRESS,
  );
}
