// `pgentra pim`: its arguments (sub-commands, --duration, --ticket, --reason, options that belong to
// another sub-command), the profile `activate --wait` waits for, and `activate` in-process over a
// stand-in PimService: what it prints, what it records in the activation log, and the exit code
// each outcome maps to (0 active, 80 pending approval, 81 denied, 82 not eligible, 64 policy).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { StepUpRequired } from '../../../electron/auth/stepUp.js';
import { command, durationWords, parsePimArgs, parseTicket, profilesForGroup, timeLeft } from '../../../electron/cli/commands/pim.js';
import { formatError } from '../../../electron/cli/dispatcher.js';
import { EXIT, exitCodeFor } from '../../../electron/cli/exitCodes.js';
import { createLogger } from '../../../electron/log/logger.js';
import { readActivations } from '../../../electron/pim/activationLog.js';
import type { PimActivation, PimMembership, PimService } from '../../../electron/pim/pimService.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { PgEntraError, isPgEntraError } from '../../../shared/errors.js';
import { validateProfileInput, type Profile, type ProfileInput } from '../../../shared/profile.js';
import { capturingCliContext } from '../../support/inProcessCli.js';

const ALICE = 'adm-alice@contoso.example';
const GROUP_ID = '6b1c3f2e-0000-4000-8000-00000000a001';

function profile(input: Partial<ProfileInput> & { name: string }): Profile {
  const r = validateProfileInput({ host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: ALICE }, ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

describe('pgentra pim arguments', () => {
  it('list and status take --account and --json only', () => {
    expect(parsePimArgs({ json: true }, ['list'])).toEqual({ sub: 'list', json: true });
    expect(parsePimArgs({ account: ALICE }, ['status'])).toEqual({ sub: 'status', json: false, account: ALICE });
    expect(() => parsePimArgs({ duration: '2h' }, ['list'])).toThrow('--duration goes with pim activate, not pim list.');
    expect(() => parsePimArgs({ wait: true }, ['status'])).toThrow('--wait goes with pim activate, not pim status.');
    expect(() => parsePimArgs({}, ['list', 'db-admins'])).toThrow('Unexpected argument "db-admins".');
  });

  it('activate: the group, a duration in ISO 8601 (1 h by default), the reason, a ticket SYSTEM:NUMBER, --wait, --profile', () => {
    expect(parsePimArgs({}, ['activate', 'db-admins'])).toEqual({ sub: 'activate', group: 'db-admins', duration: 'PT1H', wait: false, deviceCode: false, json: false });
    expect(
      parsePimArgs({ duration: '1h30m', reason: '  change 42 ', ticket: 'ServiceNow:CHG0042', wait: true, profile: 'prod', account: ALICE, 'device-code': true, json: true }, [
        'activate',
        'db admins',
      ]),
    ).toEqual({
      sub: 'activate',
      group: 'db admins',
      duration: 'PT1H30M',
      reason: 'change 42',
      ticket: { system: 'ServiceNow', number: 'CHG0042' },
      wait: true,
      profile: 'prod',
      account: ALICE,
      deviceCode: true,
      json: true,
    });
    expect(parsePimArgs({ duration: '90m' }, ['activate', 'g'])).toMatchObject({ duration: 'PT90M' });
    expect(parsePimArgs({ duration: 'PT8H' }, ['activate', 'g'])).toMatchObject({ duration: 'PT8H' });
  });

  it('activate refuses what PIM would refuse less clearly', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isPgEntraError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return undefined;
    };
    expect(code(() => parsePimArgs({}, []))).toBe('invalid_input: Say what to do: list, activate GROUP or status.');
    expect(code(() => parsePimArgs({}, ['enable']))).toBe('invalid_input: Unknown pim command "enable": use list, activate or status.');
    expect(code(() => parsePimArgs({}, ['activate']))).toBe('invalid_input: Give the group: pgentra pim activate GROUP');
    expect(code(() => parsePimArgs({}, ['activate', 'db', 'admins']))).toBe('invalid_input: Unexpected argument "admins".');
    expect(code(() => parsePimArgs({ duration: 'soon' }, ['activate', 'g']))).toBe('invalid_input: "soon" is not a duration: write 2h, 90m or 1h30m.');
    expect(code(() => parsePimArgs({ duration: '0h' }, ['activate', 'g']))).toBe('invalid_input: "0h" is not a duration: write 2h, 90m or 1h30m.');
    expect(code(() => parsePimArgs({ reason: '   ' }, ['activate', 'g']))).toBe('invalid_input: --reason is empty: say why you need the membership.');
    expect(code(() => parsePimArgs({ reason: 'x'.repeat(501) }, ['activate', 'g']))).toBe('invalid_input: --reason is longer than 500 characters.');
    expect(code(() => parsePimArgs({ ticket: 'CHG0042' }, ['activate', 'g']))).toBe('invalid_input: --ticket "CHG0042" is not SYSTEM:NUMBER.');
  });

  it('tickets and durations in words', () => {
    expect(parseTicket('Jira:OPS-1:2')).toEqual({ system: 'Jira', number: 'OPS-1:2' });
    expect(() => parseTicket(':42')).toThrow('is not SYSTEM:NUMBER');
    expect(() => parseTicket('Jira:')).toThrow('is not SYSTEM:NUMBER');
    expect(durationWords('PT1H')).toBe('1 h');
    expect(durationWords('PT1H30M')).toBe('1 h 30 min');
    expect(durationWords('PT45M')).toBe('45 min');
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(timeLeft('2026-01-01T10:59:30Z', now)).toBe('60 min');
    expect(timeLeft('2026-01-01T12:05:00Z', now)).toBe('2 h 5 min');
    expect(timeLeft('2026-01-01T09:00:00Z', now)).toBe('ended');
    expect(timeLeft(null, now)).toBe('');
  });
});

describe('the profile activate --wait waits for', () => {
  const prod = profile({ name: 'prod' });
  it('the profiles whose user is the group and whose account is the account, in the cloud', () => {
    const others = [
      profile({ name: 'readers', username: 'db-readers' }),
      profile({ name: 'upper', username: 'DB-ADMINS' }), // role names are case-sensitive
      profile({ name: 'bob', credential: { kind: 'interactive', account: 'bob@contoso.example' } }),
      profile({ name: 'no-account', credential: { kind: 'interactive' } }),
      profile({ name: 'gov', host: 'myserver.postgres.database.usgovcloudapi.net', cloud: 'usgov' }),
      profile({ name: 'mi', username: 'db-admins', credential: { kind: 'managed-identity' } }),
    ];
    expect(profilesForGroup([prod, ...others], 'db-admins', ALICE, 'public').map((p) => p.name)).toEqual(['prod']);
    expect(profilesForGroup([prod, ...others], 'db-admins', ALICE.toUpperCase(), 'public').map((p) => p.name)).toEqual(['prod']);
    expect(profilesForGroup([prod, profile({ name: 'prod-dc', credential: { kind: 'device-code', account: ALICE } })], 'db-admins', ALICE, 'public').map((p) => p.name)).toEqual(['prod', 'prod-dc']);
    expect(profilesForGroup(others, 'db-admins', ALICE, 'public')).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// `pim activate` in-process, over a stand-in PimService.

type Fake = Partial<Record<'list' | 'activate' | 'request' | 'current' | 'pendingRequests', (...args: never[]) => Promise<unknown>>>;

const active = (over: Partial<PimActivation> = {}): PimActivation => ({
  requestId: 'req-1',
  groupId: GROUP_ID,
  group: 'db-admins',
  status: 'Provisioned',
  endDateTime: new Date(Date.now() + 3_600_000).toISOString(),
  ...over,
});

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pimcli-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

async function pim(
  argv: string[],
  fake: Fake,
  opts: { accounts?: string[]; stepUp?: () => Promise<unknown>; stdin?: Readable } = {},
): Promise<{ code: number; out: string; err: string; calls: string[] }> {
  const calls: string[] = [];
  const service = Object.fromEntries(
    Object.entries(fake).map(([k, f]) => [
      k,
      (...a: never[]) => {
        calls.push(k);
        return f(...a);
      },
    ]),
  ) as unknown as PimService;
  const broker = {
    listAccounts: () => Promise.resolve((opts.accounts ?? [ALICE]).map((username) => ({ username }))),
    stepUp: async () => {
      calls.push('stepUp');
      return opts.stepUp?.();
    },
  } as unknown as TokenBroker;
  const cli = capturingCliContext(home, { logger: createLogger(), broker: () => Promise.resolve(broker), pim: () => Promise.resolve(service), openBrowser: () => Promise.resolve(false) });
  if (opts.stdin) cli.ctx.stdin = opts.stdin;
  const values: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) positionals.push(a);
    else if (['--wait', '--json', '--device-code'].includes(a)) values[a.slice(2)] = true;
    else values[a.slice(2)] = argv[++i] as string;
  }
  try {
    return { code: await command.run(cli.ctx, { values, positionals }), out: cli.stdout(), err: cli.stderr(), calls };
  } catch (e) {
    // As the dispatcher reports it.
    if (!isPgEntraError(e)) throw e;
    return { code: exitCodeFor(e.code), out: cli.stdout(), err: `${cli.stderr()}pgentra pim: ${formatError(e)}\n`, calls };
  }
}

describe('pgentra pim activate (over a stand-in PimService)', () => {
  it('active at once: progress on stderr, the result on stdout, the activation in the log; exit 0', async () => {
    const r = await pim(['activate', 'db-admins', '--reason', 'change 42', '--duration', '2h'], { activate: () => Promise.resolve(active()) });
    expect(r.code).toBe(EXIT.ok);
    expect(r.err).toContain(`Requesting the activation of db-admins for 2 h as ${ALICE}…`);
    expect(r.err).toMatch(/Active until \d\d:\d\d \(60 min\): db-admins\./);
    expect(r.out).toMatch(new RegExp(`^db-admins is active for ${ALICE} until \\d\\d:\\d\\d\\.\\n$`));
    expect(readActivations(home)).toEqual([expect.objectContaining({ account: ALICE, groupId: GROUP_ID, group: 'db-admins' })]);
  });

  it('--json prints the activation', async () => {
    const a = active();
    const r = await pim(['activate', 'db-admins', '--reason', 'x', '--json'], { activate: () => Promise.resolve(a) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ requestId: 'req-1', group: 'db-admins', groupId: GROUP_ID, status: 'Provisioned', endDateTime: a.endDateTime, account: ALICE, connected: null });
  });

  it('waiting for an approver: exit 80 at once without --wait, how to go on, nothing recorded', async () => {
    const r = await pim(['activate', 'db-admins', '--reason', 'x', '--json'], { activate: () => Promise.resolve(active({ status: 'PendingApproval', endDateTime: null })) });
    expect(r.code).toBe(EXIT.pimPendingApproval);
    expect(r.calls).toEqual(['activate']); // no polling
    expect(r.err).toContain('Pending approval: the activation waits for an approver (request req-1).');
    expect(r.err).toContain('The activation of db-admins still waits for an approver. Once an approver has approved it, pgentra pim activate db-admins --reason "…" --wait follows this request');
    expect(JSON.parse(r.out)).toMatchObject({ requestId: 'req-1', status: 'PendingApproval' });
    expect(readActivations(home)).toEqual([]);
  });

  it('denied: exit 81; not eligible: exit 82; a policy rule: exit 64', async () => {
    const denied = await pim(['activate', 'db-admins', '--reason', 'x'], { activate: () => Promise.resolve(active({ status: 'Denied' })) });
    expect(denied.code).toBe(EXIT.pimDenied);
    expect(denied.err).toContain('The activation of db-admins was denied. Ask the approver why');
    const notEligible = await pim(['activate', 'db-owners', '--reason', 'x'], {
      activate: () => Promise.reject(new PgEntraError('pim_not_eligible', `${ALICE} is not eligible for db-owners in PIM.`, { hint: 'Eligible: db-admins.' })),
    });
    expect(notEligible.code).toBe(EXIT.pimNotEligible);
    const policy = await pim(['activate', 'db-admins', '--duration', '9h', '--reason', 'x'], {
      activate: () => Promise.reject(new PgEntraError('invalid_input', 'The PIM policy of db-admins refused the activation (ExpirationRule).', { hint: 'It needs a shorter duration (--duration)' })),
    });
    expect(policy.code).toBe(EXIT.usage);
    expect(exitCodeFor('pim_pending_approval')).toBe(80);
    expect(exitCodeFor('pim_denied')).toBe(81);
    expect(exitCodeFor('pim_not_eligible')).toBe(82);
  });

  it('already active (activated elsewhere, or a second run): it carries on with that activation', async () => {
    const r = await pim(['activate', 'db-admins', '--reason', 'x'], {
      activate: () => Promise.reject(new PgEntraError('conflict', 'The membership of db-admins is already active.')),
      current: () => Promise.resolve(active({ requestId: 'portal-req' })),
    });
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['activate', 'current']);
    expect(r.out).toContain('db-admins is active for');
  });

  it('an authentication context: one step-up for Microsoft Graph, then the activation once more', async () => {
    let first = true;
    const r = await pim(['activate', 'db-admins', '--reason', 'x'], {
      activate: () => {
        if (!first) return Promise.resolve(active());
        first = false;
        const claims = '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}';
        const cause = new PgEntraError('mfa_required', 'The PIM policy of db-admins requires multi-factor authentication (an authentication context) to activate.');
        return Promise.reject(new StepUpRequired(cause, { cloud: 'public', resource: 'graph', credential: { kind: 'interactive', account: ALICE }, account: ALICE, claims }));
      },
    });
    expect(r.code, r.err).toBe(0);
    expect(r.calls).toEqual(['activate', 'stepUp', 'activate']);
    expect(r.err).toContain(`Microsoft Entra ID requires multi-factor authentication to activate db-admins. Signing in again as ${ALICE}…`);
  });

  it('--wait with several profiles for the group and account asks for --profile before requesting anything; with none it waits for the activation only', async () => {
    const store = new ProfileStore({ dataDir: home });
    await store.create({ name: 'prod', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: ALICE } });
    await store.create({ name: 'prod-eu', host: 'otherserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: ALICE } });
    const several = await pim(['activate', 'db-admins', '--reason', 'x', '--wait'], { activate: () => Promise.resolve(active()) });
    expect(several.code).toBe(EXIT.usage);
    expect(several.calls).toEqual([]);
    expect(several.err).toContain(`Several profiles log in as db-admins with ${ALICE}: prod, prod-eu. Say which login to wait for.`);
    expect(several.err).toContain('--profile prod');

    const none = await pim(['activate', 'db-readers', '--reason', 'x', '--wait'], { activate: () => Promise.resolve(active({ group: 'db-readers' })) });
    expect(none.code).toBe(0);
    expect(none.err).toContain(`No profile logs in as db-readers with ${ALICE}: waiting for the activation only`);

    const wrong = await pim(['activate', 'db-readers', '--reason', 'x', '--wait', '--profile', 'prod'], { activate: () => Promise.resolve(active()) });
    expect(wrong.code).toBe(EXIT.usage);
    expect(wrong.err).toContain('The profile prod logs in as db-admins, not db-readers.');
  });

  it('text from Graph reaches the terminal without control characters (tables, progress lines); --json keeps it, escaped', async () => {
    const EVIL = 'db-\u001b]0;owned\u0007admins\u009b2J';
    // eslint-disable-next-line no-control-regex
    const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/; // all but the newline
    const memberships: PimMembership[] = [{ groupId: GROUP_ID, group: EVIL, state: 'eligible', endDateTime: null }];
    const list = await pim(['list'], { list: () => Promise.resolve(memberships) });
    expect(list.out).toContain('db- ]0;owned admins 2J');
    expect(list.out).not.toMatch(CONTROL);
    const status = await pim(['status'], {
      list: () => Promise.resolve([{ ...memberships[0], state: 'active' } as PimMembership]),
      pendingRequests: () => Promise.resolve([active({ requestId: 'req-\u001b[31m9', group: EVIL, status: 'PendingApproval', endDateTime: null })]),
    });
    expect(status.out).toContain('req- [31m9');
    expect(status.out).not.toMatch(CONTROL);
    const pending = await pim(['activate', 'db-admins', '--reason', 'x'], {
      activate: () => Promise.resolve(active({ requestId: 'req-\u001b[8m', group: EVIL, status: 'PendingApproval', endDateTime: null })),
    });
    expect(pending.code).toBe(EXIT.pimPendingApproval);
    expect(pending.err).toContain('(request req- [8m)');
    expect(pending.err).not.toMatch(CONTROL);
    const done = await pim(['activate', 'db-admins', '--reason', 'x'], { activate: () => Promise.resolve(active({ group: EVIL })) });
    expect(done.err + done.out).not.toMatch(CONTROL);
    const json = await pim(['list', '--json'], { list: () => Promise.resolve(memberships) });
    expect(JSON.parse(json.out)).toEqual([expect.objectContaining({ group: EVIL })]);
  });

  it('--profile whose login uses another identity than --account: refused up front (exit 64), naming both and what to pass, before any Graph request', async () => {
    const BOB = 'adm-bob@contoso.example';
    const store = new ProfileStore({ dataDir: home });
    await store.create({ name: 'prod', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: BOB } });
    await store.create({ name: 'prod-mi', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'managed-identity', clientId: GROUP_ID } });
    await store.create({ name: 'prod-cli', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'azure-cli' } });
    await store.create({ name: 'prod-any', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive' } });
    const activate = () => Promise.resolve(active());

    const other = await pim(['activate', 'db-admins', '--reason', 'x', '--wait', '--profile', 'prod', '--account', ALICE], { activate });
    expect(other.code).toBe(EXIT.usage);
    expect(other.calls).toEqual([]);
    expect(other.err).toContain(`The profile prod logs in with ${BOB}, not ${ALICE} (--account)`);
    expect(other.err).toContain(`Pass --account ${BOB} (or leave --account out), or name a profile that uses ${ALICE}.`);

    const mi = await pim(['activate', 'db-admins', '--reason', 'x', '--wait', '--profile', 'prod-mi', '--account', ALICE], { activate });
    expect(mi.code).toBe(EXIT.usage);
    expect(mi.calls).toEqual([]);
    expect(mi.err).toContain(`The profile prod-mi logs in with a managed identity (${GROUP_ID}), not a person's account`);
    expect(mi.err).toContain(`pgentra pim activate db-admins --account ${ALICE}.`);
    const cli = await pim(['activate', 'db-admins', '--reason', 'x', '--profile', 'prod-cli'], { activate });
    expect(cli.code).toBe(EXIT.usage);
    expect(cli.calls).toEqual([]);
    expect(cli.err).toContain("The profile prod-cli logs in with the Azure CLI's sign-in");

    // A profile without an account logs in with the only signed-in one.
    const any = await pim(['activate', 'db-admins', '--reason', 'x', '--profile', 'prod-any', '--account', BOB], { activate });
    expect(any.code).toBe(EXIT.usage);
    expect(any.calls).toEqual([]);
    expect(any.err).toContain(`The profile prod-any logs in with ${ALICE}, not ${BOB} (--account)`);
    const several = await pim(['activate', 'db-admins', '--reason', 'x', '--profile', 'prod-any', '--account', BOB], { activate }, { accounts: [ALICE, BOB] });
    expect(several.code).toBe(EXIT.usage);
    expect(several.err).toContain('names no account and several are signed in');

    // The same account (whatever its case), or none given: the profile's.
    const same = await pim(['activate', 'db-admins', '--reason', 'x', '--profile', 'prod', '--account', BOB.toUpperCase()], { activate });
    expect(same.code, same.err).toBe(0);
    const implied = await pim(['activate', 'db-admins', '--reason', 'x', '--profile', 'prod'], { activate }, { accounts: [ALICE, BOB] });
    expect(implied.code, implied.err).toBe(0);
    expect(implied.out).toContain(`db-admins is active for ${BOB}`);
  });

  it('--reason-file PATH or - (standard input): the reason read, trimmed and checked, before any Graph request; not beside --reason', async () => {
    const reasons: unknown[] = [];
    const activate = (_caller: never, _group: never, opts: { reason?: string }) => {
      reasons.push(opts.reason);
      return Promise.resolve(active());
    };
    writeFileSync(path.join(home, 'reason.txt'), '  change 42: rotate the keys\n\n');
    const fromFile = await pim(['activate', 'db-admins', '--reason-file', 'reason.txt'], { activate });
    expect(fromFile.code, fromFile.err).toBe(0);
    const fromStdin = await pim(['activate', 'db-admins', '--reason-file', '-'], { activate }, { stdin: Readable.from([Buffer.from('incident 7\r\n')]) });
    expect(fromStdin.code, fromStdin.err).toBe(0);
    expect(reasons).toEqual(['change 42: rotate the keys', 'incident 7']);

    const refused = async (argv: string[], stdin?: Readable) => {
      const r = await pim(argv, { activate }, stdin ? { stdin } : {});
      expect(r.code).toBe(EXIT.usage);
      expect(r.calls).toEqual([]);
      return r.err;
    };
    writeFileSync(path.join(home, 'empty.txt'), ' \n');
    writeFileSync(path.join(home, 'long.txt'), 'x'.repeat(501));
    writeFileSync(path.join(home, 'huge.txt'), 'x'.repeat(5000));
    expect(await refused(['activate', 'db-admins', '--reason-file', 'empty.txt'])).toContain('--reason-file is empty: say why you need the membership.');
    expect(await refused(['activate', 'db-admins', '--reason-file', 'long.txt'])).toContain('--reason-file is longer than 500 characters.');
    expect(await refused(['activate', 'db-admins', '--reason-file', 'huge.txt'])).toContain(`--reason-file: ${path.join(home, 'huge.txt')} holds more than 4096 bytes.`);
    expect(await refused(['activate', 'db-admins', '--reason-file', '-'], Readable.from([Buffer.alloc(10_000, 'y')]))).toContain('--reason-file: standard input holds more than 4096 bytes.');
    expect(await refused(['activate', 'db-admins', '--reason-file', 'missing.txt'])).toContain(`--reason-file: cannot read ${path.join(home, 'missing.txt')} (no such file).`);
    expect(await refused(['activate', 'db-admins', '--reason-file', '.'])).toContain('(it is a folder)');
    expect(() => parsePimArgs({ reason: 'x', 'reason-file': '-' }, ['activate', 'g'])).toThrow('Give --reason or --reason-file, not both.');
    expect(() => parsePimArgs({ 'reason-file': '-' }, ['list'])).toThrow('--reason-file goes with pim activate, not pim list.');
  });

  it('the account: --account, else the only one signed in; none or several say what to do', async () => {
    const none = await pim(['list'], { list: () => Promise.resolve([]) }, { accounts: [] });
    expect(none.code).toBe(EXIT.signInRequired);
    expect(none.err).toContain('No account is signed in. Run: pgentra login');
    const several = await pim(['list'], { list: () => Promise.resolve([]) }, { accounts: [ALICE, 'alice@contoso.example'] });
    expect(several.code).toBe(EXIT.usage);
    expect(several.err).toContain('say which with --account UPN');
    const memberships: PimMembership[] = [
      { groupId: GROUP_ID, group: 'db-admins', state: 'eligible', endDateTime: null },
      { groupId: 'g2', group: 'db-readers', state: 'active', endDateTime: null, assignmentType: 'Assigned' },
    ];
    const list = await pim(['list'], { list: () => Promise.resolve(memberships) });
    expect(list.out).toMatch(/^GROUP\s+STATE\s+END\ndb-admins\s+eligible\s+permanent\ndb-readers\s+active\s+permanent\n$/);
  });
});
