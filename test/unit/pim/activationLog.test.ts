// The PIM activation log (electron/pim/activationLog.ts) as the token broker reads it: the floor
// per account (future records beyond the clock tolerance ignored, whole seconds like `iat`), one bad
// record dropping only itself, a huge file ignored without reading it, the file private (0600), and
// a change seen even when the mtime did not move.
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACTIVATION_FUTURE_TOLERANCE_MS,
  ACTIVATION_LOG_FILE,
  MAX_ACTIVATION_LOG_BYTES,
  activationFloor,
  readActivations,
  recordActivation,
  tokensNotBefore,
  type ActivationRecord,
} from '../../../electron/pim/activationLog.js';

const ALICE = 'adm-alice@contoso.example';
const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const rec = (over: Partial<ActivationRecord> = {}): ActivationRecord => ({
  account: ALICE,
  groupId: '6b1c3f2e-0000-4000-8000-00000000a001',
  group: 'db-admins',
  activatedAt: new Date(NOW - 60_000).toISOString(),
  ...over,
});

let home: string;
let logFile: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-activationlog-'));
  logFile = path.join(home, ACTIVATION_LOG_FILE);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

function debugLog(): { log: { debug: (msg: string, fields?: Record<string, unknown>) => void }; lines: string[] } {
  const lines: string[] = [];
  return { log: { debug: (msg) => void lines.push(msg) }, lines };
}

describe('tokensNotBefore', () => {
  it('the latest activation of the account that has not ended, whatever the case of the UPN', () => {
    const records = [
      rec({ activatedAt: '2026-06-01T11:00:00.000Z' }),
      rec({ activatedAt: '2026-06-01T11:30:00.000Z', groupId: 'g2', group: 'db-readers' }),
      rec({ activatedAt: '2026-06-01T11:50:00.000Z', endsAt: '2026-06-01T11:55:00.000Z' }), // ended
      rec({ account: 'bob@contoso.example', activatedAt: '2026-06-01T11:59:00.000Z' }),
    ];
    expect(tokensNotBefore(records, 'ADM-Alice@contoso.example', NOW)?.toISOString()).toBe('2026-06-01T11:30:00.000Z');
    expect(tokensNotBefore(records, undefined, NOW)).toBeUndefined();
    expect(tokensNotBefore(records, 'carol@contoso.example', NOW)).toBeUndefined();
  });

  it('whole seconds, like iat: a token issued in the same second as the activation is not older than it', () => {
    const floor = tokensNotBefore([rec({ activatedAt: '2026-06-01T11:59:30.700Z' })], ALICE, NOW);
    expect(floor?.toISOString()).toBe('2026-06-01T11:59:30.000Z');
    const iat = new Date(Math.floor(Date.parse('2026-06-01T11:59:30.900Z') / 1000) * 1000); // what Entra writes
    expect(iat < (floor ?? new Date(0))).toBe(false);
  });

  it('a record slightly ahead of this clock (skew) counts; one further ahead than the tolerance is ignored', () => {
    const skewed = rec({ activatedAt: new Date(NOW + 90_000).toISOString() });
    expect(tokensNotBefore([rec(), skewed], ALICE, NOW)?.getTime()).toBe(NOW + 90_000);
    const future = rec({ activatedAt: new Date(NOW + ACTIVATION_FUTURE_TOLERANCE_MS + 1_000).toISOString() });
    expect(tokensNotBefore([rec(), future], ALICE, NOW)?.getTime()).toBe(NOW - 60_000);
    expect(tokensNotBefore([future], ALICE, NOW)).toBeUndefined();
    // Once the clock catches up, the record counts like any other.
    expect(tokensNotBefore([rec(), future], ALICE, NOW + ACTIVATION_FUTURE_TOLERANCE_MS)?.getTime()).toBe(NOW + ACTIVATION_FUTURE_TOLERANCE_MS + 1_000);
  });
});

describe('reading the log', () => {
  it('a bad record drops only itself', () => {
    const good = [rec(), rec({ groupId: 'g2', group: 'db-readers', activatedAt: '2026-06-01T11:58:00.000Z' })];
    const bad = [{ ...rec(), activatedAt: 'yesterday' }, { group: 'no account' }, 42, null];
    writeFileSync(logFile, JSON.stringify({ version: 1, activations: [bad[0], good[0], bad[1], bad[2], good[1], bad[3]] }));
    const { log, lines } = debugLog();
    expect(readActivations(home, log)).toEqual(good);
    expect(lines.filter((l) => l.includes('invalid record'))).toHaveLength(4);
    expect(activationFloor(home)(ALICE)?.toISOString()).toBe('2026-06-01T11:59:00.000Z');
  });

  it('recording keeps the good records and drops the bad ones', async () => {
    writeFileSync(logFile, JSON.stringify({ version: 1, activations: [{ broken: true }, rec()] }));
    const next = rec({ groupId: 'g2', group: 'db-readers' });
    await recordActivation(home, next, NOW);
    expect(readActivations(home)).toEqual([rec(), next]);
  });

  it('not a log at all: no records, no crash', () => {
    for (const text of ['', '{', 'null', '[]', JSON.stringify({ version: 2, activations: [rec()] })]) {
      writeFileSync(logFile, text);
      expect(readActivations(home), text).toEqual([]);
      expect(activationFloor(home)(ALICE), text).toBeUndefined();
    }
  });

  it('a file over the size limit is ignored (with a debug line), not parsed', () => {
    const padding = ' '.repeat(MAX_ACTIVATION_LOG_BYTES);
    writeFileSync(logFile, `{"version":1,"activations":[${JSON.stringify(rec())}]}${padding}`);
    const { log, lines } = debugLog();
    expect(readActivations(home, log)).toEqual([]);
    expect(lines).toEqual(['PIM activation log ignored: too large']);
    expect(activationFloor(home, log)(ALICE)).toBeUndefined();
    // Just under the limit is read as usual.
    writeFileSync(logFile, `{"version":1,"activations":[${JSON.stringify(rec())}]}`.padEnd(MAX_ACTIVATION_LOG_BYTES, ' '));
    expect(readActivations(home)).toEqual([rec()]);
  });

  it.skipIf(process.platform === 'win32')('the written log is readable by its owner only (0600)', async () => {
    await recordActivation(home, rec(), NOW);
    expect(statSync(logFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(logFile, 'utf8'))).toEqual({ version: 1, activations: [rec()] });
  });
});

describe('activationFloor', () => {
  it('reads the log again when it changed, even within the same mtime', async () => {
    const floor = activationFloor(home);
    expect(floor(ALICE)).toBeUndefined();
    await recordActivation(home, rec({ activatedAt: '2026-06-01T11:00:00.000Z' }), NOW);
    expect(floor(ALICE)?.toISOString()).toBe('2026-06-01T11:00:00.000Z');
    const { mtime } = statSync(logFile);

    // Another write in the same tick (the mtime pinned to the first one's), by rename: same size, new inode.
    await recordActivation(home, rec({ activatedAt: '2026-06-01T11:10:00.000Z' }), NOW);
    utimesSync(logFile, mtime, mtime);
    expect(floor(ALICE)?.toISOString()).toBe('2026-06-01T11:10:00.000Z');

    // Written in place (same inode), same mtime, another size.
    const { mtime: pinned } = statSync(logFile);
    writeFileSync(logFile, JSON.stringify({ version: 1, activations: [rec({ activatedAt: '2026-06-01T11:20:00.000Z', group: 'db-admins (prod)' })] }));
    utimesSync(logFile, pinned, pinned);
    expect(floor(ALICE)?.toISOString()).toBe('2026-06-01T11:20:00.000Z');

    rmSync(logFile);
    expect(floor(ALICE)).toBeUndefined();
  });

  it('does not read an unchanged log again', () => {
    writeFileSync(logFile, JSON.stringify({ version: 1, activations: [rec(), { bad: 1 }] }));
    const { log, lines } = debugLog();
    const floor = activationFloor(home, log);
    for (let i = 0; i < 5; i++) expect(floor(ALICE)?.getTime()).toBe(NOW - 60_000);
    expect(lines).toEqual(['PIM activation log: invalid record skipped']);
  });
});
