// Consent for custom cloud files, pinned to their content. A custom cloud file says where the
// Entra token goes (authority, resource, PostgreSQL domains) and which CA vouches for the server,
// so a profile that names one is usable only after the person who runs pgEntra confirmed that
// exact file on this machine. The consent lives OUTSIDE the profiles — in
// <dataDir>/trusted-clouds.json (0600, atomic writes) — so no profile export, pgAdmin file or
// import can carry it. An edited cloud file or CA file (another SHA-256) needs a new consent.
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { type Cloud } from '../../shared/clouds.js';
import { PgEntraError } from '../../shared/errors.js';
import { resolveCloud } from '../base/cloudLoader.js';
import { ensurePrivateDir, writeFileAtomic } from '../base/atomicFile.js';
import { withFileLock } from '../base/lock.js';
import { readSmallFile } from '../base/boundedRead.js';

export const TRUSTED_CLOUDS_FILE = 'trusted-clouds.json';
const LOCK_FILE = 'trusted-clouds.lock';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in hex');
export const TrustedCloudEntrySchema = z.object({
  /** Absolute path of the cloud file. */
  file: z.string().min(1),
  sha256: Hex64,
  /** Absolute path and hash of the CA file it names, when it names one. */
  caFile: z.string().min(1).optional(),
  caSha256: Hex64.optional(),
  trustedAt: z.iso.datetime({ offset: true }),
});
export type TrustedCloudEntry = z.infer<typeof TrustedCloudEntrySchema>;
export const TrustedCloudsFileSchema = z.object({ version: z.literal(1), clouds: z.array(TrustedCloudEntrySchema) });
export type TrustedCloudsFile = z.infer<typeof TrustedCloudsFileSchema>;

export function trustedCloudsPath(dataDir: string): string {
  return path.join(dataDir, TRUSTED_CLOUDS_FILE);
}

type ReadResult = { kind: 'missing' } | { kind: 'ok'; data: TrustedCloudsFile } | { kind: 'corrupt'; reason: string };

function readStore(dataDir: string): ReadResult {
  let text: string;
  try {
    text = readFileSync(trustedCloudsPath(dataDir), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', reason: `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { kind: 'corrupt', reason: `is not valid JSON (${(e as Error).message})` };
  }
  const parsed = TrustedCloudsFileSchema.safeParse(json);
  if (!parsed.success) return { kind: 'corrupt', reason: `is not a pgEntra trusted-clouds file (${parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')})` };
  return { kind: 'ok', data: parsed.data };
}

/** The recorded consents; a corrupt file grants nothing (fails closed) and is reported by `cloudTrustStatus`. */
export function listTrustedClouds(dataDir: string): TrustedCloudEntry[] {
  const r = readStore(dataDir);
  return r.kind === 'ok' ? r.data.clouds : [];
}

/** What a custom cloud file says, for the person deciding whether to trust it. */
export interface CloudFileFacts {
  file: string;
  sha256: string;
  authorityHost: string;
  resource: string;
  clientId?: string;
  tenantId?: string;
  postgresDomains: readonly string[];
  caFile?: string;
  caSha256?: string;
  /** Subject of the (first) certificate in the CA file. */
  caSubject?: string;
  cloud: Cloud;
}

/** Reads and checks a custom cloud file (network share, other-user-writable: cloud_file_unsafe; invalid: cloud_file_invalid). */
/** `describeCa: false` skips parsing the CA certificate for its subject (display only): the consent check runs per token request. */
export function inspectCloudFile(file: string, opts: { describeCa?: boolean } = {}): CloudFileFacts {
  const cloud = resolveCloud(file);
  const source = cloud.source;
  if (!source) throw new PgEntraError('invalid_input', `${file} is a built-in cloud, not a custom cloud file.`);
  let caSubject: string | undefined;
  if (cloud.caFile) {
    if (!source.caSha256) {
      throw new PgEntraError('cloud_file_invalid', `Cannot read the CA file ${cloud.caFile} named by the cloud file ${source.file}.`, {
        hint: 'Fix caFile in the custom cloud file (a path relative to that file, or absolute).',
        details: { file: source.file },
      });
    }
    if (opts.describeCa !== false) {
      try {
        caSubject = new X509Certificate(readSmallFile(cloud.caFile)).subject.replace(/\n/g, ', ');
      } catch {
        caSubject = '(not a readable PEM certificate)';
      }
    }
  }
  return {
    file: source.file,
    sha256: source.sha256,
    authorityHost: cloud.authorityHost,
    resource: cloud.resource,
    ...(cloud.clientId ? { clientId: cloud.clientId } : {}),
    ...(cloud.tenantId ? { tenantId: cloud.tenantId } : {}),
    postgresDomains: cloud.postgresDomains,
    ...(cloud.caFile ? { caFile: cloud.caFile } : {}),
    ...(source.caSha256 ? { caSha256: source.caSha256 } : {}),
    ...(caSubject ? { caSubject } : {}),
    cloud,
  };
}

/** A few lines saying what trusting the file means (CLI `clouds trust`, the app's confirmation). */
export function describeCloudFacts(f: CloudFileFacts): string[] {
  return [
    `Cloud file:        ${f.file}`,
    `SHA-256:           ${f.sha256}`,
    `Authority:         ${f.authorityHost}   (where you sign in)`,
    `Token audience:    ${f.resource}   (what the token is good for)`,
    `Client id:         ${f.clientId ?? '(default: the Azure CLI public client)'}`,
    `Tenant:            ${f.tenantId ?? '(default: organizations)'}`,
    `PostgreSQL hosts:  ${f.postgresDomains.length ? f.postgresDomains.join(', ') : '(none listed)'}   (pgEntra sends the token to these without asking)`,
    `Resource Manager:  ${f.cloud.managementEndpoint ? `${f.cloud.managementEndpoint}   (receives a token that can list and change your Azure resources)` : '(none: no server discovery or firewall rules)'}`,
    `CA:                ${f.caFile ? `${f.caFile}${f.caSubject ? ` — ${f.caSubject}` : ''} (trusted for these hosts and the authority)` : '(none: the system roots only)'}`,
  ];
}

/** Why the file's owner should care, in one paragraph. */
export const CLOUD_TRUST_WARNING =
  'A custom cloud file decides which servers receive your Entra access token and which CA may vouch for them. If the authority and resource are real ones, anyone who wrote this file could receive a token valid for every Azure PostgreSQL server you can reach. Trust only a file you wrote or checked yourself.';

export type CloudTrustState = 'trusted' | 'untrusted' | 'changed';

export interface CloudTrustStatus {
  state: CloudTrustState;
  facts: CloudFileFacts;
  /** Set when trusted-clouds.json could not be understood (then nothing counts as trusted). */
  storeProblem?: string;
}

/** Whether the file (as it is now, with its CA) was confirmed on this machine. Throws cloud_file_unsafe/invalid. */
export function cloudTrustStatus(dataDir: string, file: string, opts: { describeCa?: boolean } = {}): CloudTrustStatus {
  const facts = inspectCloudFile(file, opts);
  const r = readStore(dataDir);
  const entries = r.kind === 'ok' ? r.data.clouds : [];
  const entry = entries.find((e) => e.file === facts.file);
  const storeProblem = r.kind === 'corrupt' ? `${trustedCloudsPath(dataDir)} ${r.reason}` : undefined;
  const base = { facts, ...(storeProblem ? { storeProblem } : {}) };
  if (!entry) return { state: 'untrusted', ...base };
  const same = entry.sha256 === facts.sha256 && (entry.caFile ?? null) === (facts.caFile ?? null) && (entry.caSha256 ?? null) === (facts.caSha256 ?? null);
  return { state: same ? 'trusted' : 'changed', ...base };
}

/** The command that records consent, quoted for a POSIX shell when needed. */
export function trustCommandFor(file: string): string {
  return `pgentra clouds trust ${/^[\w@%+=:,./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`}`;
}

/** confirmation_required for a custom cloud file not (or no longer) confirmed on this machine. */
export function cloudConsentError(status: CloudTrustStatus, what?: string): PgEntraError {
  const f = status.facts;
  const why = status.state === 'changed' ? `The custom cloud file ${f.file} (or its CA file) changed since you trusted it.` : `The custom cloud file ${f.file} has not been confirmed on this machine.`;
  return new PgEntraError(
    'confirmation_required',
    `${what ? `${what}: ` : ''}${why} It sends your Entra token for ${f.resource} to ${f.postgresDomains.length ? f.postgresDomains.join(', ') : 'hosts you confirm'}${f.caFile ? ` and trusts the CA ${f.caFile}` : ''}. pgEntra uses it only after you confirm it.${status.storeProblem ? ` (${status.storeProblem}; nothing in it counts as trusted.)` : ''}`,
    {
      hint: `If you wrote or checked this file, confirm it: ${trustCommandFor(f.file)} (in the app: edit the profile, tick "Trust this custom cloud file", save and confirm in the dialog pgEntra shows).`,
      details: { file: f.file, sha256: f.sha256, reason: status.state, ...(f.caFile ? { caFile: f.caFile } : {}) },
    },
  );
}

/** Throws confirmation_required unless the file, as it is now, was confirmed; returns its facts. */
export function assertCloudTrusted(dataDir: string, file: string, what?: string): CloudFileFacts {
  const status = cloudTrustStatus(dataDir, file, { describeCa: false });
  if (status.state !== 'trusted') throw cloudConsentError(status, what);
  return status.facts;
}

async function updateStore(dataDir: string, change: (clouds: TrustedCloudEntry[]) => TrustedCloudEntry[]): Promise<void> {
  await ensurePrivateDir(dataDir);
  await withFileLock(path.join(dataDir, LOCK_FILE), async () => {
    const r = readStore(dataDir);
    if (r.kind === 'corrupt') {
      // Never overwrite what we cannot read: move it aside, like profiles.json.
      const aside = path.join(dataDir, `trusted-clouds.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      try {
        renameSync(trustedCloudsPath(dataDir), aside);
      } catch {
        // unreadable and unmovable: the write below fails with a clear error
      }
    }
    const clouds = change(r.kind === 'ok' ? r.data.clouds : []);
    const data: TrustedCloudsFile = { version: 1, clouds };
    await writeFileAtomic(trustedCloudsPath(dataDir), `${JSON.stringify(data, null, 2)}\n`);
  });
}

/**
 * Records the owner's consent for a custom cloud file as it is now (path + SHA-256 of it and of
 * its CA file). The one way consent is given: `pgentra clouds trust`, `profiles add --trust-cloud`,
 * the app's profile editor — and the demo and test harnesses, as a user would.
 */
export async function trustCloudFile(dataDir: string, file: string): Promise<CloudFileFacts> {
  const facts = inspectCloudFile(file);
  await updateStore(dataDir, (clouds) => [
    ...clouds.filter((e) => e.file !== facts.file),
    {
      file: facts.file,
      sha256: facts.sha256,
      ...(facts.caFile ? { caFile: facts.caFile } : {}),
      ...(facts.caSha256 ? { caSha256: facts.caSha256 } : {}),
      trustedAt: new Date().toISOString(),
    },
  ]);
  return facts;
}

/**
 * Records consent for the cloud file exactly as the person was shown it (`shown`: the facts the
 * main process's dialog displayed, read once). The file and its CA file are read again: if either
 * changed since the dialog read them, nothing is recorded — consent is for the bytes seen, not for
 * whatever the file holds by the time the person clicks.
 */
export async function trustShownCloudFile(dataDir: string, shown: CloudFileFacts): Promise<CloudFileFacts> {
  let now: CloudFileFacts;
  try {
    now = inspectCloudFile(shown.file, { describeCa: false });
  } catch (e) {
    throw changedWhileShown(shown, e instanceof Error ? e.message : String(e));
  }
  if (now.sha256 !== shown.sha256 || (now.caFile ?? null) !== (shown.caFile ?? null) || (now.caSha256 ?? null) !== (shown.caSha256 ?? null)) throw changedWhileShown(shown);
  await updateStore(dataDir, (clouds) => [
    ...clouds.filter((e) => e.file !== shown.file),
    {
      file: shown.file,
      sha256: shown.sha256,
      ...(shown.caFile ? { caFile: shown.caFile } : {}),
      ...(shown.caSha256 ? { caSha256: shown.caSha256 } : {}),
      trustedAt: new Date().toISOString(),
    },
  ]);
  return shown;
}

function changedWhileShown(shown: CloudFileFacts, why?: string): PgEntraError {
  return new PgEntraError(
    'confirmation_required',
    `The custom cloud file ${shown.file}${shown.caFile ? ' (or its CA file)' : ''} changed after pgEntra showed it to you${why ? ` (${why})` : ''}, so it was not trusted: what you confirmed is not what the file holds now.`,
    { hint: 'Check the file again and save once more: pgEntra shows it again as it is now.', details: { file: shown.file, sha256: shown.sha256, reason: 'changed-while-shown' } },
  );
}

/** Withdraws consent for a file (by path; it need not exist any more). Resolves whether there was one. */
export async function untrustCloudFile(dataDir: string, file: string): Promise<boolean> {
  const abs = path.resolve(file);
  let removed = false;
  await updateStore(dataDir, (clouds) => {
    const left = clouds.filter((e) => e.file !== abs);
    removed = left.length !== clouds.length;
    return left;
  });
  return removed;
}
