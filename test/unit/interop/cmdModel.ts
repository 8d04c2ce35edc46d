// A model of how a Windows command line reaches a program when pgAdmin runs it with
// subprocess(shell=True): Python's cmd.exe /c "<line>" → cmd's /c quote rule → cmd's parse (percent expansion in command-line
// mode, then ^-escapes, quotes and operators) → for a .cmd file one more parse of `%*` → the
// program's MSVCRT argv split. Written from the documented rules (SS64, the "How does the Windows
// Command Interpreter parse scripts" write-up, Microsoft's "Parsing C command-line arguments"), to
// check our quoting where no Windows machine is available.

export interface CmdParse {
  program: string;
  /** The text after the program, as the program (or batch %*) receives it. */
  rest: string;
  /** Unescaped, unquoted & | < > ( ) seen: the line would run something else. */
  operators: string[];
}

/** Phase 1 in command-line mode: %NAME% of a defined variable is replaced; anything else stays. */
export function expandPercent(line: string, env: Record<string, string>): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    const close = line.indexOf('%', i + 1);
    if (close > i + 1) {
      const name = line.slice(i + 1, close);
      const hit = Object.keys(env).find((k) => k.toUpperCase() === name.toUpperCase());
      if (hit !== undefined) {
        out += env[hit];
        i = close + 1;
        continue;
      }
    }
    // Undefined (or no closing %): the % stays and scanning resumes after it.
    out += '%';
    i++;
  }
  return out;
}

/**
 * Phase 2: carets escape outside quotes, quotes toggle (and are kept), operators are recorded.
 * The program name then ends at the first space or tab outside quotes of the *result*: a
 * ^-escaped space is still a delimiter there (`C:\Program^ Files\x.exe` runs `C:\Program`).
 */
export function caretPhase(line: string): { text: string; operators: string[]; programEnd: number } {
  let text = '';
  let quoted = false;
  const operators: string[] = [];
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (!quoted && ch === '^') {
      i++;
      if (i < line.length) text += line[i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && '&|<>()'.includes(ch) && ch !== '"') operators.push(ch);
    text += ch;
  }
  return { text, operators, programEnd: programEndOf(text) };
}

/** Index in `text` where the program name ends (leading blanks skipped; quotes group). */
function programEndOf(text: string): number {
  let i = 0;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let quoted = false;
  for (; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ' ' || ch === '\t')) return i;
  }
  return text.length;
}

/**
 * cmd.exe's /c rule (`cmd /?`): the quotes are kept only if there are exactly two, no special
 * character (& < > ( ) @ ^ |) between them, at least one blank between them, and the text between
 * them names an executable file. Otherwise, when the line starts with a quote, that first quote
 * and the last quote of the line are removed. With /s the second rule always applies.
 */
export function cmdSlashC(afterC: string, opts: { s?: boolean; isExecutable?: (name: string) => boolean } = {}): string {
  const line = afterC.replace(/^[ \t]+/, '');
  const quotes = [...line].filter((c) => c === '"').length;
  if (!opts.s && quotes === 2) {
    const first = line.indexOf('"');
    const last = line.lastIndexOf('"');
    const inner = line.slice(first + 1, last);
    if (!/[&<>()@^|]/.test(inner) && /[ \t]/.test(inner) && (opts.isExecutable?.(inner) ?? false)) return line;
  }
  if (!line.startsWith('"')) return line;
  const last = line.lastIndexOf('"');
  return last > 0 ? line.slice(1, last) + line.slice(last + 1) : line.slice(1);
}

/** What Python's subprocess(shell=True) on Windows runs: `{ComSpec} /c "{cmd}"` — the part after /c. */
export function pythonShellArgs(cmd: string): string {
  return `"${cmd}"`;
}

/** cmd's parse of the line it runs (after the /c rule). */
export function parseCmdLine(line: string, env: Record<string, string> = {}): CmdParse {
  const p = caretPhase(expandPercent(line, env));
  const program = p.text
    .slice(0, p.programEnd)
    .replace(/^[ \t]+/, '')
    .replace(/"/g, '');
  return { program, rest: p.text.slice(p.programEnd).replace(/^[ \t]+/, ''), operators: p.operators };
}

/** A batch file's `%*` substituted into a line, parsed again (phase 2 only: no re-expansion). */
export function batchReparse(rest: string): { text: string; operators: string[] } {
  const p = caretPhase(rest);
  return { text: p.text, operators: p.operators };
}

/** MSVCRT (2008+) argv rules. */
export function msvcrtSplit(s: string): string[] {
  const args: string[] = [];
  let cur = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < s.length;) {
    const ch = s[i] as string;
    if (!quoted && (ch === ' ' || ch === '\t')) {
      if (inArg) args.push(cur);
      cur = '';
      inArg = false;
      i++;
      continue;
    }
    inArg = true;
    if (ch === '\\') {
      let n = 0;
      while (s[i] === '\\') {
        n++;
        i++;
      }
      if (s[i] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) {
          cur += '"';
          i++;
        }
      } else {
        cur += '\\'.repeat(n);
      }
      continue;
    }
    if (ch === '"') {
      if (quoted && s[i + 1] === '"') {
        cur += '"';
        i += 2;
        continue;
      }
      quoted = !quoted;
      i++;
      continue;
    }
    cur += ch;
    i++;
  }
  if (inArg) args.push(cur);
  return args;
}

/**
 * End to end, as pgAdmin runs its password command — subprocess.run(cmd, shell=True), i.e.
 * `cmd.exe /c "<cmd>"` — the argv a program (or a batch file's `%*`) ends up with.
 */
export function windowsArgv(line: string, env: Record<string, string> = {}, opts: { isExecutable?: (name: string) => boolean } = {}): { program: string; args: string[]; operators: string[] } {
  const first = parseCmdLine(cmdSlashC(pythonShellArgs(line), opts), env);
  let rest = first.rest;
  const operators = [...first.operators];
  if (/\.(cmd|bat)$/i.test(first.program)) {
    const again = batchReparse(rest);
    rest = again.text;
    operators.push(...again.operators);
  }
  return { program: first.program, args: msvcrtSplit(rest), operators };
}
