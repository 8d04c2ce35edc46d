// build/installer.nsh, the NSIS include that puts resources\bin on the user's PATH. It can only
// run on Windows (the release workflow installs and uninstalls over a 4,000-character PATH there);
// here: its structure, what it touches, that no path reads PATH into a string without checking
// the length first, and — where Debian's makensis is installed — that it compiles with -WX
// (electron-builder's flags) into both an installer and an uninstaller.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const nshPath = path.join(root, 'build/installer.nsh');
const nsh = readFileSync(nshPath, 'utf8');
/** The script without comments (`;` to the end of a line, outside quotes — none of ours has one in a string). */
const code = nsh
  .split('\n')
  .map((l) => l.replace(/^\s*;.*$/, ''))
  .join('\n');

function macro(name: string): string {
  const m = new RegExp(`^!macro ${name}\\s*$([\\s\\S]*?)^!macroend`, 'm').exec(code);
  if (!m?.[1]) throw new Error(`macro ${name} not found`);
  return m[1];
}
/** A macro with its own !insertmacro calls expanded (one level is all this file uses, recursively). */
function expanded(name: string): string {
  return macro(name).replace(/!insertmacro (\w+)/g, (_, inner: string) => expanded(inner));
}
const defines = Object.fromEntries([...code.matchAll(/^!define (\w+) "?([^"\n]*)"?$/gm)].map((m) => [m[1], m[2]]));

describe('build/installer.nsh', () => {
  it('defines customInstall and customUnInstall once each (electron-builder inserts them), and no Function (-WX)', () => {
    expect(code.match(/^!macro customInstall\s*$/gm)).toHaveLength(1);
    expect(code.match(/^!macro customUnInstall\s*$/gm)).toHaveLength(1);
    expect(code.match(/^!macro /gm)?.length).toBe(code.match(/^!macroend/gm)?.length);
    expect(code).not.toMatch(/^\s*Function\b/m);
  });

  it('puts exactly $INSTDIR\\resources\\bin into HKCU\\Environment Path as REG_EXPAND_SZ', () => {
    expect(defines.PGENTRA_BIN_DIR).toBe('$INSTDIR\\resources\\bin');
    expect(defines.PGENTRA_ENV_KEY).toBe('Environment');
    expect(defines.PGENTRA_ENV_VALUE).toBe('Path');
    expect(defines.PGENTRA_HKEY_CURRENT_USER).toBe('0x80000001');
    // Every registry write or delete goes to HKCU Environment Path, and never as plain REG_SZ.
    const writes = [...code.matchAll(/^\s*(WriteReg\w+|DeleteReg\w+)\s+(\S+)\s+(\S+)\s+(\S+)/gm)];
    expect(writes.length).toBeGreaterThanOrEqual(3);
    for (const w of writes) {
      expect(w[1]).toMatch(/^(WriteRegExpandStr|DeleteRegValue)$/);
      expect(w.slice(2, 5)).toEqual(['HKCU', '"${PGENTRA_ENV_KEY}"', '"${PGENTRA_ENV_VALUE}"']);
    }
    expect(code).not.toMatch(/HKLM|WriteRegStr\b/);
  });

  it('install appends the entry only when it is missing; uninstall removes only matching entries', () => {
    const install = expanded('customInstall');
    expect(install).toMatch(/\$\{If\} \$7 = 0[\s\S]*StrCpy \$4 "\$4;\$\{PGENTRA_BIN_DIR\}"[\s\S]*WriteRegExpandStr HKCU "\$\{PGENTRA_ENV_KEY\}" "\$\{PGENTRA_ENV_VALUE\}" \$4/);
    const uninstall = expanded('customUnInstall');
    // What is written back is the PATH without the matching entries ($9), and only when one matched.
    expect(uninstall).toMatch(/\$\{If\} \$7 > 0[\s\S]*WriteRegExpandStr HKCU "\$\{PGENTRA_ENV_KEY\}" "\$\{PGENTRA_ENV_VALUE\}" \$9/);
    expect(uninstall).not.toMatch(/WriteRegExpandStr[^\n]*\$4/);
    // An entry matches only as a whole ';'-separated element equal to the folder (with or without a trailing \).
    const scan = macro('_pgentraPathWithoutEntry');
    expect(scan).toMatch(/\$\{If\} \$8 == ";"/);
    expect(scan).toMatch(/\$\{If\} \$5 == "\$\{PGENTRA_BIN_DIR\}"\s*\n\s*\$\{OrIf\} \$5 == "\$\{PGENTRA_BIN_DIR\}\\"/);
    expect(scan).not.toMatch(/StrStr|WordReplace|StrRep/);
  });

  it('both broadcast WM_SETTINGCHANGE "Environment" after a change', () => {
    expect(macro('_pgentraBroadcastEnvironment')).toMatch(/SendMessage \$\{HWND_BROADCAST\} \$\{WM_SETTINGCHANGE\} 0 "STR:Environment" \/TIMEOUT=\d+/);
    expect(macro('customInstall')).toMatch(/!insertmacro _pgentraBroadcastEnvironment/);
    expect(macro('customUnInstall')).toMatch(/!insertmacro _pgentraBroadcastEnvironment/);
  });

  it('no truncation path: PATH is read into a string only after its length was checked against NSIS_MAX_STRLEN', () => {
    // The only ReadRegStr is in the read macro, which also re-checks the length it got.
    expect(code.match(/ReadRegStr/g)).toHaveLength(1);
    expect(macro('_pgentraReadUserPath')).toMatch(/ReadRegStr \$4 HKCU[\s\S]*StrLen \$5 \$4[\s\S]*StrCpy \$0 "too-long"/);
    // The probe asks the registry for the size only (lpData NULL) and compares with NSIS_MAX_STRLEN.
    const probe = macro('_pgentraProbeUserPath');
    expect(probe).toMatch(/advapi32::RegQueryValueExW\(p r1, w "\$\{PGENTRA_ENV_VALUE\}", p 0, \*i \.r2, p 0, \*i 0 r3\)/);
    expect(probe).toMatch(/\$\{If\} \$8 >= \$\{NSIS_MAX_STRLEN\}\s*\n\s*StrCpy \$0 "too-long"/);
    // In both macros: probe first, read only when it fits, write only when it still fits.
    for (const name of ['customInstall', 'customUnInstall']) {
      const body = macro(name);
      const probeAt = body.indexOf('!insertmacro _pgentraProbeUserPath');
      const readAt = body.indexOf('!insertmacro _pgentraReadUserPath');
      expect(probeAt).toBeGreaterThanOrEqual(0);
      expect(readAt).toBeGreaterThan(probeAt);
      expect(body.slice(probeAt, readAt)).toMatch(/\$\{(Else)?If\} \$0 == "fits"\s*\n\s*$/);
      expect(body.slice(readAt)).toMatch(/^!insertmacro _pgentraReadUserPath\s*\n\s*\$\{EndIf\}\s*\n\s*\$\{If\} \$0 == "fits"/);
    }
    // Too long: nothing written, the installer says how to add the folder by hand.
    expect(macro('customInstall')).toMatch(/\$\{ElseIf\} \$0 != "absent"[\s\S]*MessageBox MB_OK[^\n]*\/SD IDOK/);
  });

  it('keeps every register it uses', () => {
    for (const name of ['customInstall', 'customUnInstall']) {
      const body = macro(name)
        .trim()
        .split('\n')
        .map((l) => l.trim());
      expect(body[0]).toBe('!insertmacro _pgentraSaveRegisters');
      expect(body.at(-1)).toBe('!insertmacro _pgentraRestoreRegisters');
    }
    const saved = [...macro('_pgentraSaveRegisters').matchAll(/Push (\$\d)/g)].map((m) => m[1]);
    const restored = [...macro('_pgentraRestoreRegisters').matchAll(/Pop (\$\d)/g)].map((m) => m[1]);
    expect(restored).toEqual([...saved].reverse());
    const used = new Set([...code.matchAll(/\$(\d)\b/g)].map((m) => `$${m[1]}`));
    for (const r of used) expect(saved).toContain(r);
  });

  const makensis = spawnSync('makensis', ['-VERSION'], { encoding: 'utf8' });
  it.skipIf(makensis.status !== 0)('compiles with makensis -WX as an installer and as an uninstaller', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-nsis-'));
    try {
      const script = path.join(dir, 't.nsi');
      writeFileSync(
        script,
        [
          'Unicode true',
          `!include "${nshPath}"`,
          'Name "pgEntra"',
          `OutFile "${path.join(dir, 't.exe')}"`,
          'RequestExecutionLevel user',
          'InstallDir "$LOCALAPPDATA\\Programs\\pgEntra"',
          'Section',
          '!ifdef UNINST',
          '  !insertmacro customUnInstall',
          '!else',
          '  !insertmacro customInstall',
          '!endif',
          'SectionEnd',
          '',
        ].join('\n'),
      );
      for (const extra of [[], ['-DUNINST']]) {
        const r = spawnSync('makensis', ['-WX', '-V2', ...extra, script], { encoding: 'utf8' });
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
