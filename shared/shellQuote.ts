// Quoting for command lines other programs run through a shell: pgAdmin's PasswordExecCommand
// (Python subprocess with shell=True: /bin/sh -c on macOS/Linux, cmd.exe /c "…" on Windows), the
// `pgentra env` output (sh, PowerShell, cmd), the proxy's copyable psql line and the renderer's
// copied `pgentra psql NAME`. Pure string functions, no I/O and no Node: the renderer uses it too.

export type TargetOs = 'windows' | 'macos' | 'linux';
export type EnvShell = 'sh' | 'pwsh' | 'cmd';

/** The OS for a Node platform name (`process.platform`); anything not Windows or macOS is Linux. */
export function targetOsFor(platform: string): TargetOs {
  return platform === 'win32' ? 'windows' : platform === 'darwin' ? 'macos' : 'linux';
}

// ---------------------------------------------------------------------------------------------
// POSIX sh

const POSIX_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One word for sh: left bare when it is plainly safe, else single-quoted with ' → '\''. */
export function quotePosix(arg: string): string {
  if (arg !== '' && POSIX_SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function posixCommandLine(argv: readonly string[]): string {
  return argv.map(quotePosix).join(' ');
}

/** One double-quoted word for sh (the proxy's conninfo): \ before each " $ ` and \. */
export function shellQuoted(s: string): string {
  return `"${s.replace(/(["$`\\])/g, '\\$1')}"`;
}

// ---------------------------------------------------------------------------------------------
// Windows cmd.exe
//
// Two parsers read the line: cmd.exe (percent expansion, then ^-escapes and & | < > ( ) operators,
// with "…" switching escaping off) and then the program's C runtime, which splits argv with the
// MSVCRT rules (backslashes before a quote, \" for a literal quote). Following cross-spawn (the
// scheme npm on Windows relies on): quote each argument for the C runtime, then ^-escape every cmd
// metacharacter *including the quotes*, so cmd never enters quote mode and every ^ is consumed.
// A batch file (pgentra.cmd) re-parses its arguments once more through `%*`: escape twice. The
// program path itself is quoted (see quoteCmdProgram).

const CMD_META = /([()\][%!^"`<>&|;, *?])/g;

/** MSVCRT argv quoting: always quoted; backslashes doubled only before a quote or the end. */
export function quoteMsvcrt(arg: string): string {
  let out = '"';
  let backslashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      backslashes++;
      continue;
    }
    if (ch === '"') {
      out += '\\'.repeat(backslashes * 2 + 1) + '"';
    } else {
      out += '\\'.repeat(backslashes) + ch;
    }
    backslashes = 0;
  }
  return out + '\\'.repeat(backslashes * 2) + '"';
}

function caretEscape(s: string): string {
  return s.replace(CMD_META, '^$1');
}

/** An argument (not the program) for a cmd.exe command line. */
export function quoteCmdArg(arg: string, opts: { batch?: boolean } = {}): string {
  const once = caretEscape(quoteMsvcrt(arg));
  return opts.batch ? caretEscape(once) : once;
}

const CMD_PLAIN_PROGRAM = /^[A-Za-z0-9_.:\\/-]+$/;

/**
 * The program path. cmd.exe takes the program name up to the first space or tab outside quotes
 * (a ^-escaped space does not count), so a path with a space — `C:\Program Files\…` — must be
 * quoted: `"C:\Program Files (x86)\pgEntra\resources\bin\pgentra.cmd"`. Inside quotes & | < > ( )
 * ^ are literal; % and ! are not (variables expand before quotes are seen), so they stand outside
 * the quotes, caret-escaped: `"C:\100"^%"\pgentra.cmd"` (cmd drops the quotes from the program
 * name). A plain path stays bare. No outer quotes around the whole line: Python's
 * subprocess(shell=True) already runs `cmd.exe /c "<line>"`, and cmd /c strips exactly that pair
 * (the line has more than two quotes); `cmd /d /s /c "<line>"` strips them the same way.
 */
export function quoteCmdProgram(program: string): string {
  if (program.includes('"')) throw new Error('A Windows program path cannot contain a double quote.');
  if (/[\r\n\0]/.test(program)) throw new Error('A Windows program path cannot contain a line break.');
  if (CMD_PLAIN_PROGRAM.test(program)) return program;
  return program
    .split(/([%!])/)
    .filter((part) => part !== '')
    .map((part) => (part === '%' || part === '!' ? `^${part}` : `"${part}"`))
    .join('');
}

export function isBatchFile(program: string): boolean {
  return /\.(cmd|bat)$/i.test(program);
}

/** `program args…` for `cmd.exe /c`; a .cmd/.bat program gets its arguments escaped twice. */
export function cmdCommandLine(argv: readonly string[]): string {
  const [program, ...args] = argv;
  if (program === undefined) throw new Error('empty command line');
  const batch = isBatchFile(program);
  return [quoteCmdProgram(program), ...args.map((a) => quoteCmdArg(a, { batch }))].join(' ');
}

export function commandLineFor(os: TargetOs, argv: readonly string[]): string {
  return os === 'windows' ? cmdCommandLine(argv) : posixCommandLine(argv);
}

// ---------------------------------------------------------------------------------------------
// Environment assignments for `eval` / `Invoke-Expression` / a .cmd file

/** PowerShell single-quoted string: only ' needs doubling (also the typographic quotes PowerShell accepts). */
export function quotePwsh(s: string): string {
  return `'${s.replace(/['‘’‚‛]/g, (q) => q + q)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `set "NAME=value"` keeps & | < > literal; % cannot be escaped on a cmd line, so such values
 * are refused rather than printed wrongly (also a newline, which would end the command).
 */
function cmdSet(name: string, value: string): string {
  if (/[%\r\n"!]/.test(value)) {
    throw new Error(`${name} contains %, !, " or a line break, which cmd.exe cannot take in a set command; use --shell pwsh or sh.`);
  }
  return `set "${name}=${value}"`;
}

export function envAssignment(shell: EnvShell, name: string, value: string): string {
  if (!ENV_NAME.test(name)) throw new Error(`"${name}" is not an environment variable name.`);
  switch (shell) {
    case 'sh':
      return `export ${name}=${quotePosix(value)}`;
    case 'pwsh':
      return `$env:${name} = ${quotePwsh(value)}`;
    case 'cmd':
      return cmdSet(name, value);
  }
}
