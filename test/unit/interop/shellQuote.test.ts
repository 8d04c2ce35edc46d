import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmdCommandLine, envAssignment, posixCommandLine, quoteCmdArg, quoteCmdProgram, quoteMsvcrt, quotePosix, quotePwsh } from '../../../shared/shellQuote.js';
import { cmdSlashC, expandPercent, msvcrtSplit, pythonShellArgs, windowsArgv } from './cmdModel.js';

let dir: string;
let echo: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-quote-'));
  // A stand-in for the pgentra launcher in a directory with awkward characters; prints its arguments.
  const weird = path.join(dir, "it's a & b $HOME `x` (1) %P% ^");
  execFileSync('mkdir', ['-p', weird]);
  echo = path.join(weird, 'echo argv');
  // A sh script, not Node: the property below spawns it 40 times, which took 25 s under load with Node.
  writeFileSync(echo, `#!/bin/sh\nfor a in "$@"; do printf '%s\\0' "$a"; done\n`);
  chmodSync(echo, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const AWKWARD = [
  '',
  ' ',
  'plain',
  'two words',
  "it's",
  '"dq"',
  '$HOME',
  '`id`',
  '$(id)',
  'a&b',
  'a;b',
  'a|b',
  '>x',
  '*',
  '?',
  '~',
  '%PATH%',
  '^',
  '!',
  '\\',
  'back\\slash\\',
  'new\nline',
  'tab\tx',
  'ünïcødé',
  '--cloud',
  '-c',
];

/** The echo script's output: each argument followed by a NUL (no argument holds one). */
function argsOf(out: string): string[] {
  return out.split('\0').slice(0, -1);
}

describe('POSIX sh', () => {
  it('sh -c "<command>" gives the program exactly these arguments (as pgAdmin runs it)', () => {
    const argv = [echo, 'token', '0c0f3d7e-8a1b-4c53-9f3e-2b6a9d1e4f70', '--cloud', ...AWKWARD];
    const out = execFileSync('/bin/sh', ['-c', posixCommandLine(argv)], { encoding: 'utf8' });
    expect(argsOf(out)).toEqual(argv.slice(1));
  });
  it('property: any string survives sh -c', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: 'binary', minLength: 0, maxLength: 12 }).map((s) => s.replace(/\0/g, '')),
          { maxLength: 4 },
        ),
        (args) => {
          const out = execFileSync('/bin/sh', ['-c', posixCommandLine([echo, ...args])], { encoding: 'utf8' });
          expect(argsOf(out)).toEqual(args);
        },
      ),
      { numRuns: 40 },
    );
  });
  it('exact strings', () => {
    expect(quotePosix('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quotePosix("/Users/o'neil/pgEntra.app/x")).toBe(`'/Users/o'\\''neil/pgEntra.app/x'`);
    expect(quotePosix('')).toBe(`''`);
    expect(posixCommandLine(['/Applications/pgEntra.app/Contents/MacOS/pgentra', 'token', 'abc'])).toBe('/Applications/pgEntra.app/Contents/MacOS/pgentra token abc');
  });
});

describe('Windows cmd.exe', () => {
  const id = '0c0f3d7e-8a1b-4c53-9f3e-2b6a9d1e4f70';
  it('MSVCRT quoting round-trips through the MSVCRT parser', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (s) => {
        expect(msvcrtSplit(quoteMsvcrt(s))).toEqual([s]);
      }),
    );
    expect(quoteMsvcrt('a\\b\\')).toBe('"a\\b\\\\"');
    expect(quoteMsvcrt('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('exact command for an installed pgentra.cmd under Program Files (x86) with & % ^ and parentheses', () => {
    const launcher = 'C:\\Program Files (x86)\\R&D 100%\\pgEntra^1\\pgentra.cmd';
    const cloud = 'C:\\Users\\Zoë "Z"\\clouds & more\\%USERNAME%\\cloud.json';
    const line = cmdCommandLine([launcher, 'token', id, '--cloud', cloud]);
    expect(line).toBe(
      '"C:\\Program Files (x86)\\R&D 100"^%"\\pgEntra^1\\pgentra.cmd" ' +
        '^^^"token^^^" ^^^"0c0f3d7e-8a1b-4c53-9f3e-2b6a9d1e4f70^^^" ^^^"--cloud^^^" ' +
        '^^^"C:\\Users\\Zo\u00eb^^^ \\^^^"Z\\^^^"\\clouds^^^ ^^^&^^^ more\\^^^%USERNAME^^^%\\cloud.json^^^"',
    );
    // Parsed back with cmd's rules, including the batch file's second parse of %*:
    const env = { USERNAME: 'mallory', PATH: 'C:\\Windows' };
    const parsed = windowsArgv(line, env);
    expect(parsed.operators).toEqual([]);
    expect(parsed.program).toBe(launcher);
    expect(parsed.args).toEqual(['token', id, '--cloud', cloud]);
  });

  it('node.exe + bin.mjs (source checkout): arguments escaped once', () => {
    const line = cmdCommandLine(['C:\\Program Files\\nodejs\\node.exe', 'D:\\src\\pg entra & co\\electron\\cli\\bin.mjs', 'token', id]);
    expect(line).toBe('"C:\\Program Files\\nodejs\\node.exe" ^"D:\\src\\pg^ entra^ ^&^ co\\electron\\cli\\bin.mjs^" ^"token^" ^"' + id + '^"');
    const parsed = windowsArgv(line, { PATH: 'x' });
    expect(parsed.operators).toEqual([]);
    expect(parsed.args).toEqual(['D:\\src\\pg entra & co\\electron\\cli\\bin.mjs', 'token', id]);
  });

  it('property: any argument reaches the program intact, no operator leaks, no variable expands', () => {
    const env = { A: 'EXPANDED', PATH: 'EXPANDED', X: 'EXPANDED' };
    const arg = fc.string({ maxLength: 16 }).filter((s) => !/[\r\n\0]/.test(s));
    fc.assert(
      fc.property(fc.boolean(), fc.array(arg, { minLength: 1, maxLength: 4 }), (batch, args) => {
        const program = batch ? 'C:\\p g\\pgentra.cmd' : 'C:\\p g\\node.exe';
        const parsed = windowsArgv(cmdCommandLine([program, ...args]), env);
        expect(parsed.operators).toEqual([]);
        expect(parsed.program).toBe(program);
        expect(parsed.args).toEqual(args);
      }),
      { numRuns: 500 },
    );
  });

  it('issue #11 regression: a ^-escaped space does not keep "C:\\Program Files\\…" together — the path is quoted', () => {
    const launcher = 'C:\\Program Files\\pgEntra\\resources\\bin\\pgentra.cmd';
    // Today's form ran "C:\\Program" with "Files\\…" as its first argument.
    expect(windowsArgv('C:\\Program^ Files\\pgEntra\\resources\\bin\\pgentra.cmd ^^^"token^^^"').program).toBe('C:\\Program');
    const line = cmdCommandLine([launcher, 'token', id]);
    expect(line).toBe(`"${launcher}" ^^^"token^^^" ^^^"${id}^^^"`);
    expect(windowsArgv(line)).toEqual({ program: launcher, args: ['token', id], operators: [] });
  });

  it("cmd /c's quote rule: Python's outer pair is stripped, so the line must not add another one", () => {
    // Exactly two quotes around an existing program with a space: kept; otherwise first and last quote go.
    expect(cmdSlashC('"C:\\a b\\x.exe"', { isExecutable: () => true })).toBe('"C:\\a b\\x.exe"');
    expect(cmdSlashC('"C:\\a b\\x.exe"')).toBe('C:\\a b\\x.exe');
    expect(cmdSlashC('""C:\\a b\\x.exe" "arg""')).toBe('"C:\\a b\\x.exe" "arg"');
    expect(cmdSlashC('"C:\\a&b\\x.exe"', { isExecutable: () => true })).toBe('C:\\a&b\\x.exe');
    expect(pythonShellArgs('x')).toBe('"x"');
    const launcher = 'C:\\Program Files (x86)\\pgEntra\\resources\\bin\\pgentra.cmd';
    const line = cmdCommandLine([launcher, 'token', id]);
    expect(windowsArgv(line).program).toBe(launcher);
    // The "usual fix" of one more pair of quotes would break under pgAdmin (Python adds that pair).
    expect(windowsArgv(`"${line}"`).program).not.toBe(launcher);
  });

  it('program paths with spaces, &, %, !, ^, parentheses, ; , = reach cmd as one program name', () => {
    const env = { A: 'EXPANDED', PATH: 'EXPANDED', 'ProgramFiles(x86)': 'EXPANDED' };
    for (const launcher of [
      'C:\\Program Files (x86)\\pgEntra\\resources\\bin\\pgentra.cmd',
      'C:\\R&D (new)\\pgentra.cmd',
      'C:\\100% sure\\%PATH%\\%A%\\pgentra.cmd',
      'C:\\%ProgramFiles(x86)%\\pgentra.cmd',
      'C:\\Hi! ^there^\\a;b,c=d\\pgentra.cmd',
      'C:\\x|y<z>\\pgentra.cmd',
      'C:\\plain\\pgentra.cmd',
    ]) {
      const parsed = windowsArgv(cmdCommandLine([launcher, 'token', id, '--cloud', 'C:\\c & d\\%A%.json']), env);
      expect(parsed, launcher).toEqual({ program: launcher, args: ['token', id, '--cloud', 'C:\\c & d\\%A%.json'], operators: [] });
    }
    expect(quoteCmdProgram('C:\\plain\\pgentra.cmd')).toBe('C:\\plain\\pgentra.cmd');
    expect(quoteCmdProgram('C:\\100%\\x.cmd')).toBe('"C:\\100"^%"\\x.cmd"');
    expect(() => quoteCmdProgram('C:\\a"b\\x.cmd')).toThrow(/double quote/);
  });

  it('property: any program path (without a double quote) and arguments arrive intact', () => {
    const env = { A: 'EXPANDED', PATH: 'EXPANDED', X: 'EXPANDED' };
    const seg = fc.array(fc.constantFrom(..." ()&%!^;,=@|<>~.'-_aAX1".split('')), { maxLength: 10 }).map((a) => a.join(''));
    fc.assert(
      fc.property(
        seg,
        fc.boolean(),
        fc.array(
          fc.string({ maxLength: 8 }).filter((x) => !/[\r\n\0]/.test(x)),
          { maxLength: 3 },
        ),
        (dir, batch, args) => {
          const program = `C:\\${dir}\\${batch ? 'pgentra.cmd' : 'node.exe'}`;
          const parsed = windowsArgv(cmdCommandLine([program, ...args]), env);
          expect(parsed).toEqual({ program, args, operators: [] });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the model itself: an unescaped & or a defined %VAR% is caught', () => {
    expect(windowsArgv('C:\\x.exe "a" & calc').operators).toEqual(['&']);
    expect(expandPercent('%A%-%B%', { A: '1' })).toBe('1-%B%');
    expect(quoteCmdArg('%A%')).toBe('^"^%A^%^"');
  });
});

describe('env assignments', () => {
  it('sh: eval gives back the exact value', () => {
    for (const v of AWKWARD.filter((x) => !x.includes('\n'))) {
      const out = execFileSync('/bin/sh', ['-c', `${envAssignment('sh', 'V', v)}\nprintf %s "$V"`], { encoding: 'utf8' });
      expect(out).toBe(v);
    }
  });
  it('pwsh and cmd exact strings; cmd refuses what it cannot express', () => {
    expect(envAssignment('pwsh', 'PGUSER', "o'neil")).toBe(`$env:PGUSER = 'o''neil'`);
    expect(quotePwsh('a’b')).toBe(`'a’’b'`);
    expect(envAssignment('cmd', 'PGUSER', 'R&D admins')).toBe('set "PGUSER=R&D admins"');
    expect(() => envAssignment('cmd', 'PGUSER', '100%')).toThrow(/cmd.exe/);
    expect(() => envAssignment('sh', 'BAD NAME', 'x')).toThrow();
  });
});
