// The app's "Activate and connect" service with stand-ins for PIM (Graph), the group login and the
// step-up: "Stop waiting" reports 'cancelled' and nothing after it (also while a step-up's browser
// waits, which it closes); a second activation for the same profile replaces the first without the
// first's end overwriting its progress; the remembered defaults are saved in the profile (any
// duration the activation takes), and a failure to save them does not turn a connection into an
// error (nor put the reason in the log).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPimAppService, type PimAppDeps } from '../../../electron/appServices/pimAppService.js';
import { StepUpRequired, type ClaimsChallenge } from '../../../electron/auth/stepUp.js';
import type { PimAppService } from '../../../electron/ipc/services.js';
import { createLogger } from '../../../electron/log/logger.js';
import type { PimActivation, PimService } from '../../../electron/pim/pimService.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import type { EventPayload } from '../../../shared/contract.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { Profile } from '../../../shared/profile.js';
import { PROFILE } from '../ipc/fixtures.js';
import { pgEntraFailure } from '../../support/pgEntraFailure.js';

const ALICE = 'adm-alice@contoso.example';
const profile: Profile = { ...PROFILE, credential: { kind: 'interactive', account: ALICE } };
type Progress = EventPayload<'pim.progress'>;

const activation = (over: Partial<PimActivation> = {}): PimActivation => ({ requestId: 'r1', groupId: 'g1', group: 'db-admins', status: 'Provisioned', endDateTime: null, ...over });
const pending = activation({ status: 'PendingApproval' });

/** A PIM stand-in: `activate` answers each request in turn; a pending request stays pending. */
function fakePim(activate: () => Promise<PimActivation>): PimService {
  return {
    activate,
    current: () => Promise.resolve(undefined),
    request: () => Promise.resolve(pending),
    list: () => Promise.resolve([]),
  } as unknown as PimService;
}

/** A promise with its settlers, for steps the test finishes when it wants to. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let home: string;
let events: Progress[];
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-pimapp-'));
  events = [];
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

function service(over: Partial<PimAppDeps> & Pick<PimAppDeps, 'pimOf'>): PimAppService {
  return createPimAppService({
    tokens: { getToken: () => Promise.reject(new Error('no token in this test')) },
    dataDir: home,
    events: (name, payload) => {
      if (name === 'pim.progress') events.push(payload as Progress);
    },
    store: { update: () => Promise.reject(new Error('store not expected')) },
    accounts: {},
    checkLogin: () => Promise.resolve(),
    loginPollMs: 1,
    ...over,
  });
}

const stages = (list: readonly Progress[]): string[] => list.map((e) => e.stage);
/** Lets pending timers and promise jobs run (a stopped run that would still report does so now). */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 50));

describe('Stop waiting', () => {
  it("reports 'cancelled' at once and nothing after it, even when the step that was running finishes", async () => {
    // The group login cannot be aborted: it succeeds after the person stopped waiting.
    const login = deferred<void>();
    let logins = 0;
    const pim = service({
      pimOf: () => fakePim(() => Promise.resolve(activation())),
      checkLogin: () => (++logins === 1 ? login.promise : Promise.resolve()),
    });
    const run = pim.activate(profile, { profileId: profile.id, duration: '1h', remember: false });
    await expect.poll(() => logins).toBe(1);
    expect(await pim.cancel(profile.id)).toBe(true);
    expect(stages(events)).toEqual(['requesting', 'active', 'cancelled']);
    login.resolve();
    const e = await pgEntraFailure(run);
    expect(e.code).toBe('sign_in_cancelled');
    expect(e.message).toBe('Stopped waiting for the activation of db-admins.');
    await settle();
    expect(stages(events)).toEqual(['requesting', 'active', 'cancelled']);
    expect(await pim.cancel(profile.id)).toBe(false);
  });

  it('closes the sign-in of a step-up the activation waits for (its signal aborts)', async () => {
    const challenge: ClaimsChallenge = { cloud: 'public', resource: 'graph', credential: profile.credential, account: ALICE, claims: '{"access_token":{"acrs":{"essential":true,"value":"c1"}}}' };
    let stepUpSignal: AbortSignal | undefined;
    const pim = service({
      pimOf: () => fakePim(() => Promise.reject(new StepUpRequired(new PgEntraError('mfa_required', 'PIM asks for multi-factor authentication.'), challenge))),
      accounts: {
        // As the sign-in dialog's Cancel: the browser wait ends when the signal aborts.
        stepUp: (_c, _reason, signal) =>
          new Promise<void>((_resolve, reject) => {
            stepUpSignal = signal;
            signal?.addEventListener('abort', () => reject(new PgEntraError('sign_in_cancelled', 'Sign-in was cancelled.')), { once: true });
          }),
      },
    });
    const run = pim.activate(profile, { profileId: profile.id, duration: '1h', remember: false });
    await expect.poll(() => stepUpSignal).toBeDefined();
    expect(stepUpSignal?.aborted).toBe(false);
    await pim.cancel(profile.id);
    expect(stepUpSignal?.aborted).toBe(true);
    expect((await pgEntraFailure(run)).code).toBe('sign_in_cancelled');
    await settle();
    expect(stages(events)).toEqual(['requesting', 'cancelled']);
  });
});

describe('two activations for one profile', () => {
  it("only the new run reports after the switch: the old one's end does not overwrite its progress", async () => {
    const pim = service({ pimOf: () => fakePim(() => Promise.resolve(pending)) });
    const first = pim.activate(profile, { profileId: profile.id, duration: '1h', remember: false });
    await expect.poll(() => stages(events)).toEqual(['requesting', 'pending-approval']);
    const switchAt = events.length;
    const second = pim.activate(profile, { profileId: profile.id, duration: '2h', remember: false });
    // The first run is stopped: its caller hears so, the second's progress does not.
    expect((await pgEntraFailure(first)).code).toBe('sign_in_cancelled');
    await expect.poll(() => stages(events.slice(switchAt))).toEqual(['requesting', 'pending-approval']);
    await settle();
    expect(stages(events.slice(switchAt))).toEqual(['requesting', 'pending-approval']);
    // Stop waiting now stops the second run.
    expect(await pim.cancel(profile.id)).toBe(true);
    expect((await pgEntraFailure(second)).code).toBe('sign_in_cancelled');
    await settle();
    expect(stages(events.slice(switchAt))).toEqual(['requesting', 'pending-approval', 'cancelled']);
  });
});

describe('remembered defaults', () => {
  it('are saved in the profile after the connection, with any duration the activation takes', async () => {
    const store = new ProfileStore({ dataDir: path.join(home, 'profiles') });
    const saved = await store.create({ name: 'Prod', host: PROFILE.host, username: 'db-admins', credential: { kind: 'interactive', account: ALICE } });
    const pim = service({ pimOf: () => fakePim(() => Promise.resolve(activation())), store });
    const r = await pim.activate(saved, { profileId: saved.id, duration: '1h 30min', reason: 'change 42', ticket: { system: 'SNOW', number: 'CHG0042' }, remember: true });
    expect(r).toEqual({ group: 'db-admins', status: 'Provisioned', endDateTime: null });
    expect((await store.get(saved.id)).pim).toEqual({ duration: '1h 30min', reason: 'change 42', ticketSystem: 'SNOW' });
    expect(stages(events).at(-1)).toBe('connected');
  });

  it('that cannot be saved: the activation still succeeds, and the log says so without the reason', async () => {
    const lines: string[] = [];
    const pim = service({
      pimOf: () => fakePim(() => Promise.resolve(activation())),
      store: { update: () => Promise.reject(new PgEntraError('invalid_input', 'pim.reason "INC-4711: rotate the prod key" is not valid.')) },
      logger: createLogger({ sinks: [(line) => lines.push(line)] }),
    });
    const r = await pim.activate(profile, { profileId: profile.id, duration: '1h', reason: 'INC-4711: rotate the prod key', remember: true });
    expect(r.status).toBe('Provisioned');
    expect(stages(events).at(-1)).toBe('connected');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'warn', profileId: profile.id, code: 'invalid_input' });
    expect(lines.join('\n')).not.toMatch(/INC-4711|rotate/);
  });
});
