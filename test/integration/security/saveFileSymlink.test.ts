// Attack: make app.saveFile (CSV results, servers.json) write somewhere other than the file the
// person chose. Another OS user (nobody) owns entries in a shared sticky folder (like /tmp or a
// team share) and, before the person saves "results.csv" there, plants at that name a symlink to
// a file of the person's (a shell rc file), or a hard link to it, or its own regular file. Safe:
// the victim file is never written; the save either fails or leaves at the chosen path a regular
// 0600 file of the person's with exactly the saved text.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSaveFile } from '../../../electron/shell/saveFile.js';

const AS_NOBODY = ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups'];
const usable = process.platform === 'linux' && existsSync('/usr/bin/setpriv');

let root: string;
let shared: string;
let victim: string;
const VICTIM_TEXT = 'export PATH=/usr/bin\n';

beforeAll(() => {
  if (!usable) return;
  root = mkdtempSync(path.join(os.tmpdir(), 'pgentra-savefile-'));
  chmodSync(root, 0o755);
  shared = path.join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o1777);
  const home = path.join(root, 'home');
  mkdirSync(home, { mode: 0o755 });
  victim = path.join(home, '.bashrc');
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function asNobody(...cmd: string[]): void {
  const r = spawnSync('/usr/bin/setpriv', [...AS_NOBODY, ...cmd], { stdio: 'pipe' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} as nobody failed: ${r.stderr.toString()}`);
}

describe.skipIf(!usable)('app.saveFile into a shared folder where another user planted the name', () => {
  it.each(['symlink', 'hardlink', 'own file'] as const)('%s: the victim file is untouched; the chosen path holds our 0600 file or the save fails', async (kind) => {
    writeFileSync(victim, VICTIM_TEXT, { mode: 0o644 });
    const target = path.join(shared, `results-${kind.replace(' ', '-')}.csv`);
    if (kind === 'symlink') asNobody('/bin/ln', '-s', victim, target);
    // Linux's protected_hardlinks stops nobody linking a file it cannot write; when it can, it must not matter.
    if (kind === 'hardlink') {
      chmodSync(victim, 0o666);
      asNobody('/bin/ln', victim, target);
    }
    if (kind === 'own file') asNobody('/bin/sh', '-c', `printf planted > '${target}'; chmod 666 '${target}'`);
    const save = createSaveFile({ showSaveDialog: async () => ({ canceled: false, filePath: target }), downloadsDir: () => shared });
    const text = 'id,secret\n1,query result\n';
    let saved = false;
    try {
      saved = (await save({ suggestedName: path.basename(target), text })).saved;
    } catch (e) {
      expect((e as { code?: string }).code).toBe('io_error');
    }
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    if (saved) {
      const st = lstatSync(target);
      expect(st.isFile()).toBe(true);
      expect(st.uid).toBe(process.getuid?.());
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.nlink).toBe(1);
      expect(readFileSync(target, 'utf8')).toBe(text);
    }
  });
});
