// The PIM advice on a refused group login (electron/cli/pimRefusal.ts and the words in
// electron/pim/pimAdvice.ts): which refusals get it (a person's group login, not a UPN or a managed
// identity), what Graph's answer turns it into (eligible → activate; an activation made here that
// ended → activate again; active but not on the server yet → wait; permanent or not eligible →
// nothing), and that the check stays silent: a failing or hanging Graph leaves the error as it was.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../../electron/cli/context.js';
import { pimAdviceFor, pimStandingQuietly, withPimAdvice } from '../../../electron/cli/pimRefusal.js';
import { createLogger } from '../../../electron/log/logger.js';
import { recordActivation } from '../../../electron/pim/activationLog.js';
import { activateCommand, possiblePimHint } from '../../../electron/pim/pimAdvice.js';
import type { PimMembership, PimService } from '../../../electron/pim/pimService.js';
import { PgEntraError } from '../../../shared/errors.js';
import { validateProfileInput, type Profile, type ProfileInput } from '../../../shared/profile.js';

const ALICE = 'adm-alice@contoso.example';
const GROUP_ID = '6b1c3f2e-0000-4000-8000-00000000a001';
const GENERIC =
  'If your membership in db-admins is eligible rather than active (Privileged Identity Management), activate it, then retry with a fresh token (on the command line: --fresh) — a cached token predates the activation.';

function profile(input: Partial<ProfileInput> = {}): Profile {
  const r = validateProfileInput({ name: 'prod', host: 'myserver.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: ALICE }, ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

const refusal = (): PgEntraError =>
  new PgEntraError('role_not_found_or_not_member', `Account ${ALICE} is not a member of group db-admins, or the role db-admins does not exist on the server`, {
    hint: `${GENERIC} Users log in with their UPN.`,
    details: { role: 'db-admins', sqlstate: '28P01' },
  });

const eligible: PimMembership = { groupId: GROUP_ID, group: 'db-admins', state: 'eligible', endDateTime: null };

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pimadvice-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function context(list: () => Promise<PimMembership[]>): { ctx: CliContext; asked: () => number } {
  let asked = 0;
  const service = {
    list: () => {
      asked++;
      return list();
    },
  } as unknown as PimService;
  const ctx: CliContext = {
    stdout: { write: () => true },
    stderr: { write: () => true },
    env: {},
    cwd: home,
    dataDir: home,
    global: { cloud: 'public', memoryCache: true, verbose: false },
    services: { logger: createLogger(), broker: () => Promise.reject(new Error('not used')), pim: () => Promise.resolve(service), openBrowser: () => Promise.resolve(false) },
    signal: new AbortController().signal,
  };
  return { ctx, asked: () => asked };
}

describe('the words', () => {
  it('name the command, quoting a group name with spaces', () => {
    expect(activateCommand('db-admins')).toBe('pgentra pim activate db-admins --reason "…"');
    expect(activateCommand('DB Admins (prod)', { wait: true })).toBe(`pgentra pim activate 'DB Admins (prod)' --reason "…" --wait`);
    expect(possiblePimHint('db-admins')).toBe(
      'If your membership in db-admins is eligible in Privileged Identity Management (PIM) rather than active, activate it — pgentra pim activate db-admins --reason "…" — then reconnect: the proxy fetches a fresh token.',
    );
  });
});

describe('pimAdviceFor: what Graph says → what to do', () => {
  const opts = { account: ALICE, dataDir: '', then: 'run the query again' };
  it('eligible, not active: activate it', () => {
    expect(pimAdviceFor([eligible], 'db-admins', { ...opts, dataDir: home })).toBe(
      `In Privileged Identity Management (PIM), ${ALICE} is eligible for db-admins but the membership is not active. Activate it: pgentra pim activate db-admins --reason "…" --wait, then run the query again.`,
    );
  });

  it('an activation made on this computer that has ended: activate it again', async () => {
    await recordActivation(home, { account: ALICE, groupId: GROUP_ID, group: 'db-admins', activatedAt: '2026-01-01T09:00:00.000Z', endsAt: '2026-01-01T10:00:00.000Z' });
    const advice = pimAdviceFor([eligible], 'db-admins', { ...opts, dataDir: home, now: Date.parse('2026-01-01T10:30:00Z') });
    expect(advice).toMatch(/^In Privileged Identity Management \(PIM\), the activation of db-admins made on this computer at \d\d:\d\d has ended: adm-alice@contoso.example is eligible for it/);
    expect(advice).toContain('Activate it again: pgentra pim activate db-admins --reason "…" --wait, then run the query again.');
    // Another account's activation is not this one's.
    expect(pimAdviceFor([eligible], 'db-admins', { ...opts, account: 'bob@contoso.example', dataDir: home })).toContain('Activate it:');
  });

  it('active (activated, not yet on the server): wait; a permanent member or not eligible: PIM is not why', () => {
    const end = '2026-01-01T11:00:00.000Z';
    expect(pimAdviceFor([{ ...eligible, state: 'active', endDateTime: end, assignmentType: 'Activated' }, eligible], 'db-admins', { ...opts, dataDir: home })).toMatch(
      /^Your membership in db-admins is active in Privileged Identity Management \(PIM\) until \d\d:\d\d, but the server does not see it yet/,
    );
    expect(pimAdviceFor([{ ...eligible, state: 'active', assignmentType: 'Assigned' }], 'db-admins', { ...opts, dataDir: home })).toBeUndefined();
    expect(pimAdviceFor([{ ...eligible, group: 'db-readers', groupId: 'g2' }], 'db-admins', { ...opts, dataDir: home })).toBeUndefined();
    expect(pimAdviceFor([], 'db-admins', { ...opts, dataDir: home })).toBeUndefined();
  });
});

describe('withPimAdvice', () => {
  it('an eligible account: the message says the membership is not active (not "ask an admin to create the role") and the hint is the PIM advice', async () => {
    const { ctx } = context(() => Promise.resolve([eligible]));
    const original = refusal();
    const e = (await withPimAdvice(ctx, original, profile(), 'run the query again')) as PgEntraError;
    expect(e.code).toBe('role_not_found_or_not_member');
    expect(e.message).toBe(`myserver.postgres.database.azure.com refused the login as db-admins: for the server, ${ALICE} is not an active member of db-admins.`);
    expect(e.hint).toBe(
      `In Privileged Identity Management (PIM), ${ALICE} is eligible for db-admins but the membership is not active. Activate it: pgentra pim activate db-admins --reason "…" --wait, then run the query again.`,
    );
    expect(e.cause).toBe(original);
    expect(e.details).toMatchObject({ role: 'db-admins', sqlstate: '28P01', pimEligible: true });
  });

  it('not eligible, Graph refusing (no consent), or other errors: the error as it was', async () => {
    const original = refusal();
    expect(await withPimAdvice(context(() => Promise.resolve([])).ctx, original, profile())).toBe(original);
    const noConsent = context(() => Promise.reject(new PgEntraError('app_not_permitted', 'No Graph consent (AADSTS65002).')));
    expect(await withPimAdvice(noConsent.ctx, original, profile())).toBe(original);
    expect(noConsent.asked()).toBe(1);
    const firewall = new PgEntraError('firewall_blocked', 'no pg_hba.conf entry for host "203.0.113.7"');
    const unasked = context(() => Promise.resolve([eligible]));
    expect(await withPimAdvice(unasked.ctx, firewall, profile())).toBe(firewall);
    expect(unasked.asked()).toBe(0);
  });

  it('only for a person logging in as a group: not as their own name, not as a managed identity', async () => {
    const { ctx, asked } = context(() => Promise.resolve([eligible]));
    const own = refusal();
    expect(await withPimAdvice(ctx, own, profile({ username: ALICE }))).toBe(own);
    expect(await withPimAdvice(ctx, own, profile({ credential: { kind: 'managed-identity' } }))).toBe(own);
    expect(asked()).toBe(0);
  });

  it('Graph that does not answer in time: undefined, without waiting for it', async () => {
    const { ctx } = context(() => new Promise<PimMembership[]>(() => undefined));
    const started = Date.now();
    expect(await pimStandingQuietly(ctx, profile(), 100)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
