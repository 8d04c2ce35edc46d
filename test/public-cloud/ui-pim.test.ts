// PIM for Groups in the desktop app, with the production configuration (the public cloud's real
// host names, Microsoft Graph at graph.microsoft.com): the secondary ID is only *eligible* for
// db-admins. Its group login is refused → the diagnostics offer "Activate and connect" → reason
// and duration → the activation reaches the server after a while → connected as db-admins, and
// the status bar shows when the membership ends; the open session outlives the activation. Then
// an approval: the panel waits for the approver without blocking the app ("Stop waiting" and
// activating again follow the same request) and connects once approved; and a denial the panel
// names. Screenshots for the README.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppPage } from '../e2e/appPage.js';
import { ROOT, SCREENSHOTS, axeSerious, captureFailure, screenshotBoth, startHarness, type Harness } from '../e2e/harness.js';
import { PUBLIC_SERVER, PUBLIC_SERVERS } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { namespaceOrSkip } from './fixture.js';

const skip = namespaceOrSkip();

/** The journey's screenshots also go to build/screenshots/ (the README shows them). */
function keep(name: string): void {
  mkdirSync(path.join(ROOT, 'build/screenshots'), { recursive: true });
  copyFileSync(path.join(SCREENSHOTS, `${name}-light.png`), path.join(ROOT, 'build/screenshots', `${name}-light.png`));
}

describe.skipIf(skip !== undefined)('public cloud: PIM for Groups in the desktop app', () => {
  let h: Harness;
  let app: AppPage;

  // Each journey starts from its own tenant and keychain: a token cached after one activation
  // carries the group for its lifetime (as Azure's do), so it would hide the next refusal.
  beforeEach(async () => {
    h = await startHarness({ publicCloud: true, pimEligible: [{ upn: ACCOUNTS.secondary, group: ACCOUNTS.adminGroup }], pimActivationDelayMs: 4_000 });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `public-cloud-pim ${ctx.task.name}`);
    await h?.close();
  });

  /** A first profile for the eligible account's group login, connected: refused, with the PIM offer. */
  async function refusedGroupLogin(name: string, host: string = PUBLIC_SERVER): Promise<Locator> {
    await h.page.getByRole('button', { name: 'Add your first server' }).click();
    await app.fillProfile({ host, port: 5432, username: ACCOUNTS.adminGroup, name });
    await app.signInViaAccountPicker(ACCOUNTS.secondary);
    await app.saveProfile();
    await app.connect(name);
    const offer = h.page.getByTestId('pim-offer');
    await offer.waitFor({ timeout: 30_000 });
    return offer;
  }

  /** The offer's Activate and connect dialog, with a reason. */
  async function activateDialog(offer: Locator, reason: string): Promise<Locator> {
    await offer.getByRole('button', { name: 'Activate and connect…' }).click();
    const dialog = app.dialog('pim-activate');
    await dialog.waitFor();
    await dialog.getByLabel('Reason', { exact: true }).fill(reason);
    return dialog;
  }

  /** The panel's progress once PIM says the request waits for an approver, and that request. */
  async function waitingForApprover(): Promise<{ progress: Locator; requestId: string }> {
    const progress = h.page.getByTestId('pim-progress');
    await expect.poll(() => progress.getAttribute('data-stage'), { timeout: 30_000 }).toBe('pending-approval');
    const pending = h.sim.graph.control.pimRequests().find((r) => r.status === 'PendingApproval');
    if (!pending) throw new Error('no pending request');
    return { progress, requestId: pending.id };
  }

  it('refused as db-admins → Activate and connect → connected once the activation reaches the server; the status bar shows its end', { timeout: 150_000 }, async () => {
    const offer = await refusedGroupLogin('contoso-prod');
    expect(await offer.innerText()).toContain(`You are eligible for ${ACCOUNTS.adminGroup} in Privileged Identity Management`);
    await screenshotBoth(h.page, 'pim-refused');
    keep('pim-refused');
    expect(await axeSerious(h.page, 'pim-refused')).toEqual([]);

    const dialog = await activateDialog(offer, 'change 42');
    await dialog.getByLabel('Duration', { exact: true }).selectOption('1h');
    await dialog.getByRole('checkbox', { name: /Remember the reason/ }).check();
    await screenshotBoth(h.page, 'pim-activate');
    keep('pim-activate');
    expect(await axeSerious(h.page, 'pim-activate')).toEqual([]);
    await dialog.getByRole('button', { name: 'Activate and connect' }).click();

    // The membership takes a few seconds to reach the server: the panel says so meanwhile.
    const progress = h.page.getByTestId('pim-progress');
    await expect.poll(() => progress.getAttribute('data-stage'), { timeout: 30_000 }).toMatch(/^(active|waiting-for-server)$/);
    await screenshotBoth(h.page, 'pim-waiting');
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 60_000 }).toBe(ACCOUNTS.adminGroup);
    await expect.poll(() => h.page.getByTestId('pim-status').innerText(), { timeout: 10_000 }).toMatch(/^PIM membership ends in (59|60) min/);
    await screenshotBoth(h.page, 'pim-connected');
    keep('pim-connected');

    // The activation ends while the session is open: the session goes on (PIM does not end logins).
    h.sim.graph.control.expireActivation(ACCOUNTS.secondary, ACCOUNTS.adminGroup);
    await app.runSql("select current_user || ' after the end' as who;");
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain(`${ACCOUNTS.adminGroup} after the end`);

    const request = h.sim.graph.control.pimRequests().at(-1);
    expect(request).toMatchObject({ action: 'selfActivate', justification: 'change 42', status: 'Provisioned' });
    // The profile remembers the reason and duration for next time.
    const saved = (await h.composed.store.list()).find((p) => p.name === 'contoso-prod');
    expect(saved?.pim).toEqual({ duration: '1h', reason: 'change 42' });
    expect(h.invalidEvents).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
  });

  it('an approval: the panel waits for the approver without blocking the app (Stop waiting, then again: the same request), then connects', { timeout: 150_000 }, async () => {
    h.sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { approvalRequired: true });
    const offer = await refusedGroupLogin('contoso-other', PUBLIC_SERVERS[1]);
    await (await activateDialog(offer, 'change 43')).getByRole('button', { name: 'Activate and connect' }).click();
    const first = await waitingForApprover();
    // Stop waiting: the panel stops at once; the request stays in PIM and activating again follows it.
    await first.progress.getByRole('button', { name: 'Stop waiting' }).click();
    await offer.waitFor({ timeout: 10_000 });
    await (await activateDialog(offer, 'change 43')).getByRole('button', { name: 'Activate and connect' }).click();
    const { progress, requestId } = await waitingForApprover();
    expect(requestId).toBe(first.requestId);
    expect(h.sim.graph.control.pimRequests().filter((r) => r.justification === 'change 43')).toHaveLength(1);
    expect(await progress.innerText()).toContain('Waiting for an approver');
    // The rest of the app stays usable meanwhile.
    await h.page.getByRole('button', { name: 'Home' }).click();
    await h.page.getByTestId('accounts-panel').waitFor();
    h.sim.graph.control.approvePimRequest(requestId);
    await h.page.getByRole('navigation', { name: 'Open connections' }).getByRole('button', { name: 'contoso-other', exact: true }).click();
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 60_000 }).toBe(ACCOUNTS.adminGroup);
  });

  it('a denial: the panel says the approver denied it and offers to try again', { timeout: 150_000 }, async () => {
    h.sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { approvalRequired: true });
    const dialog = await activateDialog(await refusedGroupLogin('contoso-prod'), 'change 44');
    await dialog.getByRole('button', { name: 'Activate and connect' }).click();
    const { progress, requestId } = await waitingForApprover();
    h.sim.graph.control.denyPimRequest(requestId);
    await expect.poll(() => progress.getAttribute('data-stage'), { timeout: 30_000 }).toBe('failed');
    const text = await progress.innerText();
    expect(text).toMatch(/denied/i);
    expect(text).toContain(ACCOUNTS.adminGroup);
    expect(await progress.getByRole('button', { name: 'Try again…' }).isVisible()).toBe(true);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
  });

  it("an authentication context: PIM asks for MFA, the browser opens for Microsoft Graph's step-up, then the activation goes through and connects", { timeout: 150_000 }, async () => {
    // Sign-ins without MFA unless asked (as on a managed workstation), so the context needs a browser.
    h.sim.entra.control.setMfaByDefault(false);
    h.sim.graph.control.setPimPolicy(ACCOUNTS.adminGroup, { authenticationContext: 'c1' });
    const dialog = await activateDialog(await refusedGroupLogin('contoso-prod'), 'change 45');
    const before = h.sim.entra.control.events('mfaApproved').length;
    const stepUpPage = h.nextSignInPage();
    await dialog.getByRole('button', { name: 'Activate and connect' }).click();
    await app.approveMfaOnSignInPage(await stepUpPage, ACCOUNTS.secondary);
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 60_000 }).toBe(ACCOUNTS.adminGroup);
    // PIM refused the first request for want of the context; the second, after the step-up, went through.
    const requests = h.sim.graph.control.pimRequests().filter((r) => r.justification === 'change 45');
    expect(requests.map((r) => r.status)).toEqual(['Provisioned']);
    expect(h.sim.entra.control.events('mfaApproved').length).toBe(before + 1);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
  });
});
