// `pgentra import pgadmin FILE`: pgAdmin 4 servers.json → pgEntra profiles, through the profile
// store (duplicates by server/port/user/database are never added silently). Reports, per server,
// every setting that could not be kept.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PgEntraError } from '../../../shared/errors.js';
import { profileCloudFromGlobal } from '../../interop/cloudFacts.js';
import { ALLOW_NON_AZURE_HOST_REMOVED } from '../../interop/pgadminImport.js';
import { importPgAdminJson } from '../../interop/pgadminService.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { conflictMode, formatImportResult } from './profiles.js';

const HELP = `Usage: pgentra import pgadmin FILE [--on-conflict skip|rename|replace] [--folder F]
                              [--account UPN] [--allow-host HOST ...] [--allow-weaker-tls] [--json]

Imports the servers of a pgAdmin 4 export (File → Export Servers, or setup.py dump-servers) as
pgEntra profiles. Group becomes the folder; Host, Port, MaintenanceDB, Username, sslmode,
connect_timeout, Comment and BGColor are kept. Settings pgEntra does not use (SSH tunnels,
Kerberos, services, shared servers, another tool's password command …) are listed per server.
sslmode prefer/allow/disable become verify-full: the Entra token must travel over verified TLS.

Options:
  --on-conflict MODE       a profile with the same server, port, user and database (or name)
                           exists: skip (default), rename (import alongside) or replace
  --folder F               put all imported profiles in folder F
  --account UPN            sign in with this account (default: choose when connecting)
  --allow-host HOST        import the servers on HOST although it is outside the cloud's
                           PostgreSQL domains (your Entra token will be sent to it); exact host
                           name, case-insensitive; repeat it for each host you trust
  --allow-weaker-tls       keep sslmode verify-ca / require instead of raising it to verify-full
  --json                   print the result as JSON`;

/** --allow-host values: exact host names (no wildcards, no spaces). */
function allowHosts(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? [raw] : [];
  for (const h of list) {
    if (!/^[A-Za-z0-9.:_[\]-]+$/.test(h.trim())) throw new PgEntraError('invalid_input', `--allow-host "${h}" is not a host name: give one exact host per --allow-host.`);
  }
  return list.map((h) => h.trim().toLowerCase());
}

export const command: CommandDefinition = {
  name: 'import',
  summary: 'Import servers from a pgAdmin 4 export',
  help: HELP,
  allowPositionals: true,
  options: {
    'on-conflict': { type: 'string' },
    folder: { type: 'string' },
    account: { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    // Refused with a pointer to --allow-host (it confirmed every host in the file at once).
    'allow-non-azure-host': { type: 'boolean' },
    'allow-weaker-tls': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const [kind, file, ...extra] = positionals;
    if (kind !== 'pgadmin') {
      throw new PgEntraError('invalid_input', kind ? `Unknown import format "${kind}": use pgadmin (pgEntra's own exports: pgentra profiles import FILE).` : 'Usage: pgentra import pgadmin FILE', {
        hint: 'See pgentra import --help.',
      });
    }
    if (!file) throw new PgEntraError('invalid_input', 'Give the pgAdmin export file: pgentra import pgadmin FILE');
    if (extra.length) throw new PgEntraError('invalid_input', `Unexpected argument "${extra[0]}".`);
    if (values['allow-non-azure-host'] !== undefined)
      throw new PgEntraError('invalid_input', ALLOW_NON_AZURE_HOST_REMOVED, { hint: 'Example: pgentra import pgadmin servers.json --allow-host db.example.com --allow-host 10.0.0.5' });
    const allowedHosts = allowHosts(values['allow-host']);
    const onConflict = conflictMode(str(values['on-conflict']));
    const abs = path.resolve(ctx.cwd, file);
    const text = await readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new PgEntraError('io_error', `Cannot read ${abs}: ${e.code ?? e.message}.`);
    });
    const cloud = profileCloudFromGlobal(ctx.global.cloud, (p) => path.resolve(ctx.cwd, p));
    const account = str(values.account);
    const folder = str(values.folder);
    const { plan, result: res } = await importPgAdminJson(openProfileStore(ctx.dataDir), text, {
      cloud,
      allowedHosts,
      allowWeakerTls: bool(values['allow-weaker-tls']),
      onConflict,
      ...(account ? { account } : {}),
      ...(folder !== undefined ? { folder } : {}),
    });
    const serverLabel = (i: number): string => `server ${plan.profiles[i]?.server ?? '?'}`;
    if (bool(values.json)) {
      ctx.stdout.write(
        JSON.stringify(
          {
            created: res.created.map((p) => ({ id: p.id, name: p.name })),
            replaced: res.replaced.map((p) => ({ id: p.id, name: p.name })),
            renamed: res.renamed.map((r) => ({ server: plan.profiles[r.index]?.server, from: r.from, to: r.to })),
            skipped: res.skipped.map((s) => ({ server: plan.profiles[s.index]?.server, name: s.name, reason: s.reason, existingId: s.existingId })),
            invalid: res.invalid.map((v) => ({ server: plan.profiles[v.index]?.server, name: v.name ?? null, errors: v.errors.map((e) => e.message) })),
            rejected: plan.rejected,
            notes: plan.profiles.filter((p) => p.notes.length).map((p) => ({ server: p.server, name: p.name, notes: p.notes })),
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      for (const p of plan.profiles) for (const n of p.notes) ctx.stdout.write(`server ${p.server} "${p.name}": ${n}\n`);
      for (const r of plan.rejected) for (const reason of r.reasons) ctx.stdout.write(`server ${r.server} "${r.name}": not imported: ${reason}\n`);
      for (const line of formatImportResult(res, serverLabel)) ctx.stdout.write(`${line}\n`);
      ctx.stdout.write(`${res.created.length} imported, ${res.replaced.length} replaced, ${res.skipped.length} skipped, ${plan.rejected.length + res.invalid.length} not imported.\n`);
      if (res.created.length + res.replaced.length > 0 && !account) ctx.stdout.write('The imported profiles sign in interactively: choose the account when connecting, or pass --account UPN.\n');
    }
    return plan.rejected.length + res.invalid.length > 0 ? EXIT.dataError : EXIT.ok;
  },
};
