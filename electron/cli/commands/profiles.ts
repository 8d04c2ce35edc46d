// `pgentra profiles`: list, add, show, rm, import and export server profiles (the same
// profiles.json the app uses, through ProfileStore: locked, validated, atomic).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CREDENTIAL_KINDS, CredentialSchema, type Credential } from '../../../shared/credential.js';
import { PgEntraError } from '../../../shared/errors.js';
import { PROFILE_FIELD_LABELS, validateProfileInput, type Profile, type ProfileFieldError, type ProfileInput } from '../../../shared/profile.js';
import type { ImportConflictMode, ImportResult } from '../../profiles/profileStore.js';
import { profileCloudFromGlobal } from '../../interop/cloudFacts.js';
import { writeOutput } from '../../interop/outputFile.js';
import { cloudTrustStatus, describeCloudFacts, trustCloudFile, trustCommandFor } from '../../connect/cloudTrust.js';
import { customCloudDomains, openProfileStore } from '../../profiles/profileAccess.js';
import { bool, str, type CommandDefinition, type OptionValues } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';

const HELP = `Usage:
  pgentra profiles list [--json]
  pgentra profiles add NAME --host H --user U [--port 5432] [--database postgres]
        [--auth interactive|device-code|managed-identity|azure-cli] [--account UPN] [--tenant T]
        [--client-id ID | --object-id ID | --resource-id ID] [--cloud public|usgov|china|FILE]
        [--folder F] [--sslmode verify-full|verify-ca|require]
        [--allow-non-azure-host] [--allow-weaker-tls] [--trust-cloud]
  pgentra profiles add NAME --from-azure SERVER|RESOURCE_ID [--user U] [--account UPN]
        [--folder F] [--database D] [--trust-cloud]
  pgentra profiles show NAME|ID [--json]
  pgentra profiles rm NAME|ID
  pgentra profiles export FILE|-
  pgentra profiles import FILE [--on-conflict skip|rename|replace]

Server profiles say where to connect and which Entra identity to use; they never hold a
password or token. They are shared with the pgEntra app.

Options (add):
  --host H                 server name, e.g. myserver.postgres.database.azure.com
  --user U                 role name: your UPN, an Entra group's name or a managed identity's name
  --auth KIND              how to get the token (default interactive)
  --account UPN            the signed-in account to use (see: pgentra accounts)
  --client-id/--object-id/--resource-id   user-assigned managed identity
  --allow-non-azure-host   confirm sending your Entra token to a host outside the cloud's
                           PostgreSQL domains
  --allow-weaker-tls       confirm verify-ca or require instead of verify-full
  --trust-cloud            with --cloud FILE: trust that custom cloud file on this machine (as
                           pgentra clouds trust FILE does); without it the profile is saved but
                           connects only once you trusted the file
  --from-azure SERVER      build the profile from a flexible server in Azure (a name, host name or
                           resource id; see pgentra servers list): its host name, port 5432, the
                           postgres database, the account pinned, the cloud, and the username
                           proposed from its Microsoft Entra admins — an admin group your account
                           is in, or you as an admin, else your own UPN. --user overrides it.
                           The profile remembers the server for the pre-flight checks.
Options (import):
  --on-conflict MODE       an existing profile with the same server/user/database or name:
                           skip (default), rename (import alongside) or replace
  Imported profiles never bring trust in their custom cloud files: you confirm each file
  yourself (pgentra clouds trust FILE) before they connect.

Examples:
  pgentra profiles add prod --host prod.postgres.database.azure.com --user db-admins --account adm-alice@contoso.com
  pgentra profiles add prod --from-azure myserver --account adm-alice@contoso.com
  pgentra profiles list --json`;

export const command: CommandDefinition = {
  name: 'profiles',
  summary: 'List, add, show, remove, import and export server profiles',
  help: HELP,
  allowPositionals: true,
  options: {
    json: { type: 'boolean' },
    host: { type: 'string' },
    port: { type: 'string' },
    database: { type: 'string' },
    user: { type: 'string' },
    auth: { type: 'string' },
    account: { type: 'string' },
    tenant: { type: 'string' },
    'object-id': { type: 'string' },
    'resource-id': { type: 'string' },
    folder: { type: 'string' },
    sslmode: { type: 'string' },
    'allow-non-azure-host': { type: 'boolean' },
    'allow-weaker-tls': { type: 'boolean' },
    'trust-cloud': { type: 'boolean' },
    'on-conflict': { type: 'string' },
    'from-azure': { type: 'string' },
  },
  async run(ctx, { values, positionals }) {
    const [sub, ...rest] = positionals;
    switch (sub) {
      case 'list':
      case 'ls':
        noMore(rest, 0);
        return list(ctx, bool(values.json));
      case 'add':
        noMore(rest, 1);
        return add(ctx, need(rest[0], 'NAME'), values);
      case 'show':
        noMore(rest, 1);
        return show(ctx, need(rest[0], 'NAME'), bool(values.json));
      case 'rm':
      case 'remove':
        noMore(rest, 1);
        return rm(ctx, need(rest[0], 'NAME'));
      case 'export':
        noMore(rest, 1);
        return exportProfiles(ctx, rest[0]);
      case 'import':
        noMore(rest, 1);
        return importProfiles(ctx, need(rest[0], 'FILE'), conflictMode(str(values['on-conflict'])));
      case undefined:
        throw new PgEntraError('invalid_input', 'Say what to do: list, add, show, rm, import or export.', { hint: 'See pgentra profiles --help.' });
      default:
        throw new PgEntraError('invalid_input', `Unknown profiles command "${sub}": use list, add, show, rm, import or export.`);
    }
  },
};

function need(v: string | undefined, what: string): string {
  if (!v) throw new PgEntraError('invalid_input', `Missing ${what}.`, { hint: 'See pgentra profiles --help.' });
  return v;
}

function noMore(rest: string[], allowed: number): void {
  if (rest.length > allowed) throw new PgEntraError('invalid_input', `Unexpected argument "${rest[allowed]}".`, { hint: 'Quote names that contain spaces.' });
}

export function conflictMode(v: string | undefined): ImportConflictMode {
  if (v === undefined) return 'skip';
  if (v === 'skip' || v === 'rename' || v === 'replace') return v;
  throw new PgEntraError('invalid_input', `--on-conflict must be skip, rename or replace, not "${v}".`);
}

function credentialLabel(p: Profile): string {
  const c = p.credential;
  switch (c.kind) {
    case 'interactive':
    case 'device-code':
      return `${c.kind}${c.account ? ` ${c.account}` : ''}`;
    case 'managed-identity':
      return `managed-identity${c.clientId ? ` client ${c.clientId}` : c.objectId ? ` object ${c.objectId}` : c.resourceId ? ` ${c.resourceId}` : ' (system-assigned)'}`;
    case 'azure-cli':
      return 'azure-cli';
  }
}

async function list(ctx: CliContext, json: boolean): Promise<number> {
  const snap = await openProfileStore(ctx.dataDir).snapshot();
  if (json) {
    ctx.stdout.write(JSON.stringify(snap.profiles, null, 2) + '\n');
  } else if (snap.profiles.length === 0) {
    ctx.stdout.write('No server profiles. Add one: pgentra profiles add NAME --host H --user U\n');
  } else {
    const sorted = [...snap.profiles].sort((a, b) => a.folder.localeCompare(b.folder) || a.name.localeCompare(b.name));
    for (const p of sorted) {
      ctx.stdout.write([p.folder ? `${p.folder}/${p.name}` : p.name, `${p.host}:${p.port}`, p.database, p.username, credentialLabel(p), p.id].join('\t') + '\n');
    }
  }
  if (snap.invalid.length) ctx.stderr.write(`${snap.invalid.length} saved profile(s) are invalid and not shown; open the pgEntra app to fix them.\n`);
  return EXIT.ok;
}

async function show(ctx: CliContext, name: string, json: boolean): Promise<number> {
  const p = await openProfileStore(ctx.dataDir).get(name);
  if (json) {
    ctx.stdout.write(JSON.stringify(p, null, 2) + '\n');
    return EXIT.ok;
  }
  const rows: [string, string][] = [
    ['Name', p.name],
    ['Id', p.id],
    ['Folder', p.folder || '(none)'],
    ['Host', p.host],
    ['Port', String(p.port)],
    ['Database', p.database],
    ['Username', p.username],
    ['Credential', credentialLabel(p)],
    ['Cloud', typeof p.cloud === 'string' ? p.cloud : p.cloud.customFile],
    ['SSL mode', p.sslmode],
    ['Timeout', `${p.connectTimeoutSeconds} s`],
  ];
  if (p.color) rows.push(['Color', p.color]);
  if (p.notes) rows.push(['Notes', p.notes.replace(/\n/g, ' ')]);
  const conf = Object.keys(p.confirmations);
  if (conf.length) rows.push(['Confirmed', conf.join(', ')]);
  for (const [k, v] of rows) ctx.stdout.write(`${k.padEnd(12)}${v}\n`);
  return EXIT.ok;
}

async function rm(ctx: CliContext, name: string): Promise<number> {
  const store = openProfileStore(ctx.dataDir);
  const p = await store.get(name);
  await store.remove(p.id);
  ctx.stdout.write(`Removed "${p.name}" (${p.id}).\n`);
  return EXIT.ok;
}

function credentialFromFlags(values: OptionValues): unknown {
  const kind = str(values.auth) ?? 'interactive';
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(kind)) {
    throw new PgEntraError('invalid_input', `--auth must be one of ${CREDENTIAL_KINDS.join(', ')}, not "${kind}".`);
  }
  const account = str(values.account);
  const tenant = str(values.tenant);
  const clientId = str(values['client-id']);
  const objectId = str(values['object-id']);
  const resourceId = str(values['resource-id']);
  const misplaced = (flags: [string, string | undefined][]): void => {
    const given = flags.filter(([, v]) => v !== undefined).map(([f]) => f);
    if (given.length) throw new PgEntraError('invalid_input', `${given.join(', ')} do(es) not apply to --auth ${kind}.`);
  };
  switch (kind) {
    case 'interactive':
    case 'device-code':
      misplaced([
        ['--client-id', clientId],
        ['--object-id', objectId],
        ['--resource-id', resourceId],
      ]);
      return { kind, ...(account ? { account } : {}), ...(tenant ? { tenant } : {}) };
    case 'managed-identity':
      misplaced([
        ['--account', account],
        ['--tenant', tenant],
      ]);
      return { kind, ...(clientId ? { clientId } : {}), ...(objectId ? { objectId } : {}), ...(resourceId ? { resourceId } : {}) };
    default:
      misplaced([
        ['--account', account],
        ['--client-id', clientId],
        ['--object-id', objectId],
        ['--resource-id', resourceId],
      ]);
      return { kind, ...(tenant ? { tenant } : {}) };
  }
}

function portFrom(v: string | undefined): number | string | undefined {
  if (v === undefined) return undefined;
  // Non-numbers go to validation as-is so the error names the Port field.
  return /^\d+$/.test(v.trim()) ? Number(v.trim()) : v;
}

const FLAG_FOR: Record<string, string> = { host: '--allow-non-azure-host', sslmode: '--allow-weaker-tls' };

/** `path: message` without repeating the field label the message starts with. */
export function formatFieldError(e: ProfileFieldError): string {
  const top = e.path.split('.')[0] ?? '';
  const label = PROFILE_FIELD_LABELS[top];
  let msg = e.message;
  if (label && msg.startsWith(`${label}`))
    msg = msg
      .slice(label.length)
      .replace(/^ \([^)]*\)/, '')
      .replace(/^:\s*/, '');
  const flag = e.code === 'confirmation_required' ? FLAG_FOR[top] : undefined;
  return `${e.path || 'profile'}: ${msg}${flag ? ` (to confirm: ${flag})` : ''}`;
}

function confirmationsFromFlags(values: OptionValues): Record<string, true> {
  return {
    ...(bool(values['allow-non-azure-host']) ? { nonAzureHost: true as const } : {}),
    ...(bool(values['allow-weaker-tls']) ? { weakerTls: true as const } : {}),
  };
}

/** The settings given as flags that apply to any new profile (with or without --from-azure). */
function commonFlags(values: OptionValues): Record<string, unknown> {
  return {
    ...(str(values.database) !== undefined ? { database: str(values.database) } : {}),
    ...(str(values.folder) !== undefined ? { folder: str(values.folder) } : {}),
    ...(str(values.sslmode) !== undefined ? { sslmode: str(values.sslmode) } : {}),
  };
}

async function add(ctx: CliContext, name: string, values: OptionValues): Promise<number> {
  const cloud = profileCloudFromGlobal(ctx.global.cloud, (p) => path.resolve(ctx.cwd, p));
  const fromAzure = str(values['from-azure']);
  if (fromAzure !== undefined) return saveNew(ctx, await azureInput(ctx, name, fromAzure, values), cloud, values);
  const port = portFrom(str(values.port));
  const raw: Record<string, unknown> = {
    name,
    host: str(values.host),
    username: str(values.user),
    ...(port !== undefined ? { port } : {}),
    ...commonFlags(values),
    credential: credentialFromFlags(values),
    cloud,
    confirmations: confirmationsFromFlags(values),
  };
  return saveNew(ctx, raw, cloud, values);
}

/** The input `--from-azure SERVER` proposes (ARM: host, admins; the token: account, groups), after saying what it chose. */
async function azureInput(ctx: CliContext, name: string, server: string, values: OptionValues): Promise<Record<string, unknown>> {
  const misplaced = (['host', 'port'] as const).filter((f) => str(values[f]) !== undefined);
  if (misplaced.length) throw new PgEntraError('invalid_input', `${misplaced.map((f) => `--${f}`).join(', ')} do(es) not go with --from-azure: the server's host name and port come from Azure.`);
  const { armCallerFrom, azureServiceFor, plain } = await import('./servers.js');
  const parsed = CredentialSchema.safeParse(credentialFromFlags(values));
  if (!parsed.success) throw new PgEntraError('invalid_input', `The credential flags are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`);
  const credential: Credential = parsed.data;
  const user = str(values.user);
  const azure = await azureServiceFor(ctx);
  const { withCliStepUp } = await import('../signInUi.js');
  // A claims challenge (Conditional Access asking MFA for Resource Manager) is answered as the profile's credential signs in.
  const p = await withCliStepUp(ctx, 'read the server', credential.kind === 'device-code', () =>
    azure.proposeProfile(armCallerFrom(ctx, undefined, credential), server, { name, ...(user !== undefined ? { username: user } : {}) }),
  );
  const chosen = p.usernameChoices.find((c) => c.username === p.profile.username);
  const pinned = p.profile.credential && 'account' in p.profile.credential ? p.profile.credential.account : undefined;
  ctx.stdout.write(`Server: ${plain(p.server.name)} (${plain(p.server.resourceGroup)}, subscription ${p.server.subscriptionId}) at ${plain(p.profile.host)}\n`);
  if (pinned) ctx.stdout.write(`Account: ${plain(pinned)}\n`);
  ctx.stdout.write(`Username: ${plain(p.profile.username)}${chosen ? ` — ${plain(chosen.label.replace(/^.*? — /, ''))}` : ' (given with --user)'}\n`);
  const others = p.usernameChoices.filter((c) => c.username !== p.profile.username);
  if (others.length) ctx.stdout.write(`Other choices (pass --user): ${others.map((c) => plain(c.label)).join('; ')}\n`);
  return { ...p.profile, ...commonFlags(values), confirmations: confirmationsFromFlags(values) };
}

/** Validation, optional cloud trust and the store: the one path every new profile takes. */
async function saveNew(ctx: CliContext, raw: Record<string, unknown>, cloud: Profile['cloud'], values: OptionValues): Promise<number> {
  const domains = typeof cloud === 'string' ? undefined : customCloudDomains(cloud.customFile);
  const check = validateProfileInput(raw, domains ? { customDomains: domains } : {});
  if (!check.ok) {
    ctx.stderr.write(`pgentra profiles add: the profile is not valid:\n${check.errors.map((e) => `  ${formatFieldError(e)}`).join('\n')}\n`);
    return EXIT.usage;
  }
  if (typeof cloud !== 'string' && bool(values['trust-cloud'])) {
    const facts = await trustCloudFile(ctx.dataDir, cloud.customFile);
    for (const line of describeCloudFacts(facts)) ctx.stderr.write(`${line}\n`);
    ctx.stderr.write(`Trusted ${facts.file} on this machine.\n`);
  } else if (bool(values['trust-cloud'])) {
    throw new PgEntraError('invalid_input', '--trust-cloud needs --cloud FILE (a custom cloud file).');
  }
  const created = await openProfileStore(ctx.dataDir).create(raw as ProfileInput);
  ctx.stdout.write(`Added "${created.name}" (${created.id}).\n`);
  if (typeof cloud !== 'string' && cloudTrustStatus(ctx.dataDir, cloud.customFile).state !== 'trusted') {
    ctx.stderr.write(`Note: it connects only after you trust its cloud file: ${trustCommandFor(cloud.customFile)}\n`);
  }
  return EXIT.ok;
}

async function exportProfiles(ctx: CliContext, out: string | undefined): Promise<number> {
  const text = await openProfileStore(ctx.dataDir).exportProfiles();
  const file = await writeOutput(text, out, ctx.cwd, ctx.stdout);
  if (file) ctx.stderr.write(`Exported to ${file}.\n`);
  return EXIT.ok;
}

export function formatImportResult(res: ImportResult, label: (index: number) => string): string[] {
  const lines: string[] = [];
  for (const p of res.created) lines.push(`imported "${p.name}"`);
  for (const p of res.replaced) lines.push(`replaced "${p.name}"`);
  for (const r of res.renamed) lines.push(`${label(r.index)}: imported as "${r.to}" (the name "${r.from}" is taken)`);
  for (const s of res.skipped) lines.push(`${label(s.index)}: skipped "${s.name}": ${s.reason}`);
  for (const inv of res.invalid) for (const e of inv.errors) lines.push(`${label(inv.index)}${inv.name ? ` "${inv.name}"` : ''}: not imported: ${formatFieldError(e)}`);
  return lines;
}

async function importProfiles(ctx: CliContext, file: string, onConflict: ImportConflictMode): Promise<number> {
  const abs = path.resolve(ctx.cwd, file);
  const text = await readFile(abs, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new PgEntraError('io_error', `Cannot read ${abs}: ${e.code ?? e.message}.`);
  });
  const res = await openProfileStore(ctx.dataDir).importProfiles(text, { onConflict });
  for (const line of formatImportResult(res, (i) => `entry ${i + 1}`)) ctx.stdout.write(`${line}\n`);
  // Imports never carry consent: say which custom cloud files still need the owner's.
  const files = new Set([...res.created, ...res.replaced].flatMap((p) => (typeof p.cloud === 'string' ? [] : [p.cloud.customFile])));
  for (const f of files) {
    let state: string;
    try {
      state = cloudTrustStatus(ctx.dataDir, f).state;
    } catch (e) {
      ctx.stderr.write(`warning: the custom cloud file ${f} cannot be used: ${e instanceof Error ? e.message : String(e)}\n`);
      continue;
    }
    if (state !== 'trusted') ctx.stderr.write(`warning: imported profiles name the custom cloud file ${f}, which you have not trusted; check what it says before: ${trustCommandFor(f)}\n`);
  }
  ctx.stdout.write(`${res.created.length} imported, ${res.replaced.length} replaced, ${res.skipped.length} skipped, ${res.invalid.length} invalid.\n`);
  return res.invalid.length ? EXIT.dataError : EXIT.ok;
}
