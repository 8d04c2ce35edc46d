// Entra's refusals through the real MSAL and the token broker, as the simulated enterprise tenant
// sends them — interactively (what its pages post back to the app) and silently (what the token
// endpoint answers a refresh): each arrives as its own error from the one table, a policy block is
// never "cancelled" or "sign in again", and a person's Cancel on Entra's page is a cancel.
import './simCloud.js'; // loads reflect-metadata first
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StepUpRequired, stepUpOf, type ClaimsChallenge } from '../../../electron/auth/stepUp.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { parseForms } from '../../sim/entra/browser.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { httpsText } from '../../sim/entra/support.js';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, type ConditionalAccessPolicy } from '../../sim/types.js';
import { startSimCloud, type SimCloud } from './simCloud.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
let s: SimCloud;
let broker: TokenBroker;

const policy = (grant: ConditionalAccessPolicy['grant'], upn: string): ConditionalAccessPolicy => ({
  id: '1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a',
  displayName: `Require ${grant}`,
  state: 'enabled',
  users: { include: [upn] },
  grant,
});
/** The person in the browser: picks `upn` and goes on as far as Entra lets them (Back on a refusal page). */
const browser = (upn: string) => ({ openBrowser: async (url: string) => void completeSignInHeadless(url, { caCertPem: s.tls.caCertPem, upn }).catch(() => undefined) });
const failure = async (p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string | undefined }> => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isPgEntraError(e)) throw new Error(`expected a PgEntraError, got ${String(e)}`);
  return { code: e.code, message: e.message, hint: e.hint };
};

beforeAll(async () => {
  if (!keyring) return;
  s = await startSimCloud({ tokenLifetimeSeconds: 3600 });
  s.sim.control.setMfaByDefault(false);
  broker = new TokenBroker({ explicitCloudFiles: [s.cloudFile], dataDir: s.home, logger: silentLogger });
});
afterEach(() => {
  s?.sim.control.setConditionalAccess([]);
  s?.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { assignmentRequired: false, assignedUsers: [], adminConsented: true, userConsentAllowed: true });
});
afterAll(async () => {
  broker?.close();
  await s?.cleanup();
});

describe.skipIf(!keyring)('Entra refusals, interactive and silent', () => {
  it('interactive: a compliant-device policy (access_denied, no reason) is a block; an unassigned user is refused by the app; a Cancel on the chooser is a cancel', async () => {
    s.sim.control.setConditionalAccess([policy('compliantDevice', ACCOUNTS.primary)]);
    const device = await failure(broker.signInInteractive(s.cloudFile, browser(ACCOUNTS.primary)));
    expect(device.code).toBe('access_blocked');
    expect(device.message).toMatch(/access_denied and no reason.*compliant/);
    s.sim.control.setConditionalAccess([]);

    s.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { assignmentRequired: true, assignedUsers: ['db-admins'] });
    const unassigned = await failure(broker.signInInteractive(s.cloudFile, browser(ACCOUNTS.primary)));
    expect(unassigned).toMatchObject({ code: 'app_not_permitted', message: expect.stringContaining('AADSTS50105') });
    expect(unassigned.hint).toContain('pgentra settings set client-id.public');
    // A member of the assigned group gets in.
    expect((await broker.signInInteractive(s.cloudFile, browser(ACCOUNTS.secondary))).username).toBe(ACCOUNTS.secondary);
    s.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { assignmentRequired: false, assignedUsers: [] });

    // The person presses Cancel on Entra's account chooser: the app gets AADSTS65004.
    const cancelled = await failure(
      broker.signInInteractive(s.cloudFile, {
        openBrowser: async (url) => {
          const chooser = await httpsText(url, s.tls.caCertPem);
          const cancel = parseForms(chooser.body).find((f) => f.buttons.some((b) => b.name === 'cancel'));
          if (!cancel) throw new Error('no Cancel on the chooser');
          const posted = parseForms((await httpsText(cancel.action, s.tls.caCertPem, { form: { ...cancel.fields, cancel: '1' } })).body)[0];
          if (!posted) throw new Error('no form_post after Cancel');
          void fetch(posted.action, { method: 'POST', body: new URLSearchParams(posted.fields) }).catch(() => undefined);
        },
      }),
    );
    expect(cancelled.code).toBe('sign_in_cancelled');
    expect(cancelled.message).toContain('cancelled in the browser (AADSTS65004)');
  });

  it('silent: a block (53003), a device state (530003), consent (65001) — each its own error, none "sign in again"', async () => {
    await broker.signInInteractive(s.cloudFile, { loginHint: ACCOUNTS.primary, ...browser(ACCOUNTS.primary) });
    const cred = { credential: { kind: 'interactive' as const, account: ACCOUNTS.primary }, cloud: s.cloudFile, fresh: true };

    s.sim.control.setConditionalAccess([policy('block', ACCOUNTS.primary)]);
    const blocked = await failure(broker.getToken(cred));
    expect(blocked).toMatchObject({ code: 'access_blocked', message: expect.stringContaining('AADSTS53003') });
    expect(blocked.hint).not.toMatch(/pgentra login/);

    s.sim.control.setConditionalAccess([policy('compliantDevice', ACCOUNTS.primary)]);
    expect(await failure(broker.getToken(cred))).toMatchObject({ code: 'access_blocked', message: expect.stringContaining('AADSTS530003') });
    s.sim.control.setConditionalAccess([]);

    s.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: false, userConsentAllowed: false });
    const consent = await failure(broker.getToken(cred));
    expect(consent).toMatchObject({ code: 'app_not_permitted', message: expect.stringContaining('AADSTS65001') });
    s.sim.control.setClientSettings(AZURE_CLI_CLIENT_ID, { adminConsented: true, userConsentAllowed: true });

    expect((await broker.getToken(cred)).account).toBe(ACCOUNTS.primary);
  });

  it('silent: MFA required for the database (50076) is a step-up for the database scope, answered once', async () => {
    await broker.signInInteractive(s.cloudFile, { loginHint: ACCOUNTS.secondary, ...browser(ACCOUNTS.secondary) });
    const req = { credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary }, cloud: s.cloudFile, fresh: true };
    s.sim.control.setConditionalAccess([policy('mfa', ACCOUNTS.secondary)]);
    const e = await broker.getToken(req).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(StepUpRequired);
    const challenge = stepUpOf(e) as ClaimsChallenge;
    expect(challenge).toMatchObject({ resource: 'postgres', account: ACCOUNTS.secondary });
    expect(challenge.claims).toContain('capolids'); // the policy's claims, from Entra's refusal
    const before = s.sim.control.events('mfaApproved').length;
    await broker.stepUp(challenge, browser(ACCOUNTS.secondary));
    expect(s.sim.control.events('mfaApproved').length).toBe(before + 1);
    expect((await broker.getToken({ ...req, fresh: false })).account).toBe(ACCOUNTS.secondary);
  });
});
