// When this machine last saw a PIM group membership of an account become active
// (`<data folder>/pim-activations.json`, owner-only). A token issued before that moment was issued
// without the group, so the server refuses it for a group login: every process (the CLI that
// pgAdmin runs for each connection, the proxy, the app) asks Entra for a new one instead of taking
// it from a cache. Accounts and group names only — never a token.
import { closeSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, ensurePrivateDir } from '../base/atomicFile.js';
import { withFileLock } from '../base/lock.js';
import type { Logger } from '../log/logger.js';

export const ACTIVATION_LOG_FILE = 'pim-activations.json';
/** Far above any real log (a record is ~200 bytes): a larger file is not read at all, so it cannot stall or exhaust a process. */
export const MAX_ACTIVATION_LOG_BYTES = 1024 * 1024;
/**
 * How far ahead of this machine's clock an activation may lie and still count. `activatedAt` is
 * this machine's clock, a token's `iat` is Entra's: a few minutes of skew are honoured; a record
 * further ahead (a hand-edited file, a clock that jumped back) is ignored — otherwise every token
 * lookup would go to Entra until that moment.
 */
export const ACTIVATION_FUTURE_TOLERANCE_MS = 5 * 60_000;

type DebugLog = Pick<Logger, 'debug'>;

const RecordSchema = z.object({
  account: z.string().min(1).max(256),
  groupId: z.string().min(1).max(64),
  group: z.string().max(256),
  /** When pgEntra saw the membership active (ISO). */
  activatedAt: z.iso.datetime(),
  /** When the activation ends (ISO), if known. */
  endsAt: z.iso.datetime().optional(),
});
export type ActivationRecord = z.infer<typeof RecordSchema>;
// Records are checked one by one: a bad one (hand-edited, another version's) drops only itself.
const FileSchema = z.object({ version: z.literal(1), activations: z.array(z.unknown()) });

function file(dataDir: string): string {
  return path.join(path.resolve(dataDir), ACTIVATION_LOG_FILE);
}

/** The log's text, or undefined when it is missing or too large (checked on the open file: no swap in between). */
function readLogText(target: string, log: DebugLog | undefined): string | undefined {
  let fd: number;
  try {
    fd = openSync(target, 'r');
  } catch {
    return undefined; // no activation recorded on this machine
  }
  try {
    const { size } = fstatSync(fd);
    if (size > MAX_ACTIVATION_LOG_BYTES) {
      log?.debug('PIM activation log ignored: too large', { file: target, bytes: size, limit: MAX_ACTIVATION_LOG_BYTES });
      return undefined;
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The valid records (none when the file is missing or unreadable: the log only ever makes tokens fresher). */
export function readActivations(dataDir: string, log?: DebugLog): ActivationRecord[] {
  const target = file(dataDir);
  try {
    const text = readLogText(target, log);
    if (text === undefined) return [];
    const parsed = FileSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      log?.debug('PIM activation log ignored: not a version 1 log', { file: target });
      return [];
    }
    const records: ActivationRecord[] = [];
    for (const [index, raw] of parsed.data.activations.entries()) {
      const rec = RecordSchema.safeParse(raw);
      if (rec.success) records.push(rec.data);
      else log?.debug('PIM activation log: invalid record skipped', { file: target, index });
    }
    return records;
  } catch (e) {
    log?.debug('PIM activation log unreadable', { file: target, error: e instanceof Error ? e.message : String(e) });
    return [];
  }
}

/** Records an activation seen now; drops records that ended long ago. */
export async function recordActivation(dataDir: string, rec: ActivationRecord, now = Date.now()): Promise<void> {
  await ensurePrivateDir(path.resolve(dataDir));
  await withFileLock(`${file(dataDir)}.lock`, async () => {
    const keep = readActivations(dataDir).filter(
      (r) => !(r.account.toLowerCase() === rec.account.toLowerCase() && r.groupId === rec.groupId) && (r.endsAt === undefined || Date.parse(r.endsAt) > now - 24 * 3600_000),
    );
    await writeFileAtomic(file(dataDir), JSON.stringify({ version: 1, activations: [...keep, rec] }, null, 2) + '\n');
  });
}

/**
 * The moment before which the account's cached tokens lack a group it has now: its latest
 * activation that has not ended (and is not implausibly far in the future). Undefined when none.
 * Whole seconds, like the `iat` it is compared with: a token Entra issued in the same second as the
 * activation counts as after it, so the token fetched for the activation is never refused by it.
 */
export function tokensNotBefore(records: readonly ActivationRecord[], account: string | undefined, now = Date.now()): Date | undefined {
  if (!account) return undefined;
  let latest: number | undefined;
  for (const r of records) {
    if (r.account.toLowerCase() !== account.toLowerCase()) continue;
    if (r.endsAt !== undefined && Date.parse(r.endsAt) <= now) continue;
    const at = Date.parse(r.activatedAt);
    if (at > now + ACTIVATION_FUTURE_TOLERANCE_MS) continue;
    if (latest === undefined || at > latest) latest = at;
  }
  return latest === undefined ? undefined : new Date(Math.floor(latest / 1000) * 1000);
}

/**
 * `tokensNotBefore` for the token broker, asked on every token lookup: reads the log again only when
 * it changed, so a long-running app or proxy sees an activation another process recorded, and a
 * CLI run reads it once. Changed = another mtime, size or inode: two writes within the mtime's
 * granularity differ in size, or (written atomically, by rename) in inode.
 */
export function activationFloor(dataDir: string, log?: DebugLog): (account: string) => Date | undefined {
  let seen: { version: string; records: ActivationRecord[] } | undefined;
  return (account) => {
    let version: string;
    try {
      const st = statSync(file(dataDir));
      version = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      return undefined; // no activation recorded on this machine
    }
    if (seen?.version !== version) seen = { version, records: readActivations(dataDir, log) };
    return tokensNotBefore(seen.records, account);
  };
}
