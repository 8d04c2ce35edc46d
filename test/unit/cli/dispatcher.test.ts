// The dispatcher's error line (electron/cli/dispatcher.ts formatError): text from Graph, Azure or a
// server (a group name, a status, a server's message) reaches the terminal without its control
// characters — no escape sequence that retitles the window, moves the cursor or hides output.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandEntry } from '../../../electron/cli/command.js';
import { formatError } from '../../../electron/cli/dispatcher.js';
import { PgEntraError } from '../../../shared/errors.js';
import { runCliCaptured } from '../../support/inProcessCli.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const TITLE = '\u001b]0;owned\u0007';
const CLEAR = '\u001b[2J\u009b31m';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-dispatch-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

/** A command failing with what Graph might have said. */
const FAILING: CommandEntry = {
  name: 'fail',
  summary: 'test',
  load: () =>
    Promise.resolve({
      name: 'fail',
      summary: 'test',
      help: '',
      options: {},
      run() {
        return Promise.reject(new PgEntraError('pim_not_eligible', `alice is not eligible for db${TITLE}admins in PIM.`, { hint: `Eligible: db-${CLEAR}readers,\nops.` }));
      },
    }),
};

describe('formatError', () => {
  it('strips control characters from the message and the hint, keeping the words', () => {
    const line = formatError(new PgEntraError('pim_denied', `The activation of g${TITLE} was ${CLEAR}denied.`, { hint: 'Ask\tthe approver.' }));
    expect(line).not.toMatch(CONTROL);
    expect(line.replace(/ +/g, ' ')).toBe('The activation of g ]0;owned was [2J 31mdenied. Ask the approver.');
    expect(formatError(new Error(`server said ${TITLE}`))).not.toMatch(CONTROL);
    expect(formatError(`plain ${CLEAR}`)).not.toMatch(CONTROL);
  });

  it('what a failing command prints is one line without control characters; the exit code is the error code’s', async () => {
    const r = await runCliCaptured(['fail'], { env: { PGENTRA_HOME: home }, cwd: home, commands: [FAILING] });
    expect(r.code).toBe(82);
    expect(r.err.endsWith('\n')).toBe(true);
    expect(r.err.slice(0, -1)).not.toMatch(CONTROL);
    expect(r.err.replace(/ +/g, ' ')).toBe('pgentra fail: alice is not eligible for db ]0;owned admins in PIM. Eligible: db- [2J 31mreaders, ops.\n');
  });
});
