// A model of how a Windows command line reaches a program when pgAdmin runs it with
// subprocess(shell=True): cmd.exe /c "<line>" → cmd's parse (percent expansion in command-line
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

/** Phase 2: carets escape outside quotes, quotes toggle (and are kept), operators are recorded. */
export function caretPhase(line: string): { text: string; operators: string[]; programEnd: number } {
  let text = '';
  let quoted = false;
  const operators: string[] = [];
  let programEnd = -1;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (!quoted && ch === '^') {
      i++;
      if (i < line.length) text += line[i];
      started = true;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && '&|<>()'.includes(ch) && ch !== '"') operators.push(ch);
    if (!quoted && (ch === ' ' || ch === '\t') && started && programEnd < 0) programEnd = text.length;
    if (ch !== ' ' && ch !== '\t') started = true;
    text += ch;
  }
  return { text, operators, programEnd: programEnd < 0 ? text.length : programEnd };
}

/** cmd.exe /c "<line>" as Python builds it (outer quotes stripped by cmd's rule 2). */
export function parseCmdLine(line: string, env: Record<string, string> = {}): CmdParse {
  const p = caretPhase(expandPercent(line, env));
  const program = p.text.slice(0, p.programEnd).replace(/"/g, '');
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
  for (let i = 0; i < s.length; ) {
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

/** End to end: the argv a program (or a batch file's `%*`) ends up with. */
export function windowsArgv(line: string, env: Record<string, string> = {}): { program: string; args: string[]; operators: string[] } {
  const first = parseCmdLine(line, env);
  let rest = first.rest;
  const operators = [...first.operators];
  if (/\.(cmd|bat)$/i.test(first.program)) {
    const again = batchReparse(rest);
    rest = again.text;
    operators.push(...again.operators);
  }
  return { program: first.program, args: msvcrtSplit(rest), operators };
}
