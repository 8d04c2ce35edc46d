// The copy-paste command in PIM hints (electron/pim/pimAdvice.ts): a group or profile name is one
// shell word that a POSIX shell reads back as exactly that name — $(…), backticks and $VAR in a
// name (an imported profile, a group someone else named) never run when the hint is pasted.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { activateCommand, shellWord } from '../../../electron/pim/pimAdvice.js';

const HOSTILE = ['db admins $(echo pwned)', 'a`id`b', '$HOME', "it's", "a'$(id)'b", "''", 'x\\y"z"', 'tab\there', 'DB Admins (prod)', 'a\u2019$(id)\u2018b'];

describe('shellWord', () => {
  it('leaves plain names bare and quotes the rest with single quotes', () => {
    expect(shellWord('db-admins')).toBe('db-admins');
    expect(shellWord('adm-alice@contoso.example')).toBe('adm-alice@contoso.example');
    expect(shellWord('DB Admins (prod)')).toBe("'DB Admins (prod)'");
    expect(shellWord('$(id)')).toBe("'$(id)'");
    // A quote: closed, written in double quotes, reopened (PowerShell reads that as text too).
    expect(shellWord("it's")).toBe(`'it'"'"'s'`);
    expect(activateCommand('db admins $(id)', { wait: true })).toBe(`pgentra pim activate 'db admins $(id)' --reason "…" --wait`);
  });

  it.skipIf(process.platform === 'win32')('a POSIX shell reads each quoted name back unchanged, running nothing', () => {
    for (const shell of ['/bin/sh', 'bash']) {
      for (const name of HOSTILE) {
        const out = execFileSync(shell, ['-c', `printf '%s' ${shellWord(name)}`], { encoding: 'utf8', env: { HOME: '/nonexistent-home', PATH: process.env.PATH ?? '' } });
        expect(out, `${shell}: ${name}`).toBe(name);
      }
    }
  });
});
