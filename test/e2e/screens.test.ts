// The screens the journeys do not stop on, each photographed in light and dark and scanned with
// axe: the accounts panel (every account with its token's remaining lifetime), the device-code
// sign-in (the code shown big), the Entra admin dialog (principals listed) and the copy-token
// dialog. Driven like a person would, against the simulators.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../sim/types.js';
import { AppPage } from './appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type AxeFinding, type Harness } from './harness.js';

describe('screens', () => {
  let h: Harness;
  let app: AppPage;
  const axeFindings: AxeFinding[] = [];

  beforeAll(async () => {
    h = await startHarness();
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `screens ${ctx.task.name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('device-code sign-in shows the code big, and completes when it is approved', async () => {
    const panel = h.page.getByTestId('accounts-panel');
    await panel.getByRole('button', { name: 'Sign in with a device code…' }).click();
    const dialog = app.dialog('sign-in');
    const code = dialog.getByTestId('device-code');
    await code.waitFor({ timeout: 20_000 });
    const userCode = (await code.innerText()).trim();
    expect(userCode).toMatch(/^[A-Z0-9-]{6,}$/);
    expect(await code.evaluate((el) => parseFloat(getComputedStyle(el).fontSize))).toBeGreaterThanOrEqual(28);
    expect(await dialog.innerText()).toMatch(/Enter the code below/);
    await screenshotBoth(h.page, '13-sign-in-device-code');
    axeFindings.push(...(await axeSerious(h.page, 'sign-in-device-code')));
    h.sim.entra.control.approveDeviceCode(userCode, ACCOUNTS.secondary);
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => panel.innerText()).toContain(ACCOUNTS.secondary);
  });

  it('the accounts panel shows every account with its token’s remaining lifetime', async () => {
    // A second account, through the browser chooser.
    const signInPage = h.nextSignInPage();
    await h.page.getByTestId('accounts-panel').getByRole('button', { name: 'Sign in…', exact: true }).click();
    await app.chooseAccountOnSignInPage(await signInPage, ACCOUNTS.primary);
    const panel = h.page.getByTestId('accounts-panel');
    for (const upn of [ACCOUNTS.primary, ACCOUNTS.secondary]) {
      const row = panel.locator(`[data-account="${upn}"]`);
      await row.waitFor();
      // Each account's token from its sign-in: lifetime left, from the broker's cache (no session open).
      await expect.poll(() => row.getByTestId('token-lifetime').innerText()).toMatch(/^Token \d+ (min|s|h \d+ min) left · renews automatically$/);
    }
    await screenshotBoth(h.page, '14-accounts');
    axeFindings.push(...(await axeSerious(h.page, 'accounts')));
  });

  it('the Entra admin dialog lists the server’s principals', async () => {
    const flex = h.sim.flex;
    if (!flex) throw new Error('the flexible-server simulator is not running');
    await h.page.getByRole('button', { name: 'Add your first server' }).click();
    const editor = app.dialog('profile-editor');
    await app.fillProfile({ host: flex.host, port: flex.port, username: ACCOUNTS.adminGroup, customCloudFile: h.sim.stateFile, name: 'contoso-prod' });
    await editor.getByLabel('Account', { exact: true }).selectOption(ACCOUNTS.secondary);
    await app.saveProfile();
    await app.connect('contoso-prod');
    await app.waitForSession();
    await h.page.getByRole('button', { name: 'Entra admin…' }).click();
    const dialog = app.dialog('entra-admin');
    const table = dialog.locator('table.principals');
    await table.waitFor({ timeout: 20_000 });
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows.join('\n')).toContain(ACCOUNTS.adminGroup);
    expect(rows.length).toBeGreaterThanOrEqual(1);
    await screenshotBoth(h.page, '15-entra-admin');
    axeFindings.push(...(await axeSerious(h.page, 'entra-admin')));
    await dialog
      .getByRole('button', { name: /^Close/ })
      .first()
      .click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('the copy-token dialog asks first, and the token reaches only the clipboard', async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await app.profileInSidebar('contoso-prod').click();
    await h.page
      .getByTestId('profile-detail')
      .getByRole('button', { name: /Copy token/ })
      .click();
    const dialog = app.dialog('copy-token');
    await dialog.waitFor();
    const copy = dialog.getByRole('button', { name: 'Copy token', exact: true });
    expect(await copy.isDisabled()).toBe(true);
    await dialog.getByRole('checkbox').check();
    await screenshotBoth(h.page, '16-copy-token');
    axeFindings.push(...(await axeSerious(h.page, 'copy-token')));
    await h.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.origin });
    const shown = h.tokenCopyDialogs.length;
    await copy.click();
    await expect.poll(() => dialog.getByRole('status').innerText()).toMatch(/Token copied\. The clipboard will be cleared in \d+ s\./);
    // The main process asked in its own dialog, then wrote the clipboard itself.
    expect(h.tokenCopyDialogs).toHaveLength(shown + 1);
    const clip = h.clipboardWrites.at(-1) ?? '';
    expect(clip).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]*$/);
    // Never in the page, in any IPC reply, or on the page's own clipboard.
    expect(await h.page.content()).not.toContain(clip);
    expect(h.ipcReplies.filter((r) => r.includes(clip))).toEqual([]);
    expect(await h.page.evaluate(() => navigator.clipboard.readText().catch(() => ''))).not.toBe(clip);
  });

  it('kept the page within its CSP, without errors, invalid events or serious axe violations', async () => {
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
