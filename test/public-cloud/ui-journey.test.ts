// The desktop app's main journey once with the production configuration: the real main-process
// services with their built-in public cloud (no cloud file), the built renderer in Chromium, and
// the simulated Azure answering as login.microsoftonline.com and myserver.postgres.database.azure.com.
// Add the profile → sign in with the secondary ID on the chooser → connect as db-admins → run a
// query → outlive the token → export to pgAdmin. Then Browse Azure (ARM as management.azure.com):
// a profile from myserver connects as db-admins with no typed host; one from lockedserver is
// refused by its firewall → the diagnostics show the address the server saw → "Allow my IP" →
// the rule is added through ARM — Azure's mandatory MFA for writes asks for a step-up first, which
// the app explains and opens in the browser — → the connect succeeds. A China sign-in from the
// profile editor opens MSAL's real authorize URL on login.partner.microsoftonline.cn.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppPage } from '../e2e/appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type Harness } from '../e2e/harness.js';
import { PUBLIC_SERVER } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { namespaceOrSkip } from './fixture.js';

const skip = namespaceOrSkip();
const TOKEN_LIFETIME_SECONDS = 6;

describe.skipIf(skip !== undefined)('public cloud: the desktop app journey', () => {
  let h: Harness;
  let app: AppPage;

  beforeAll(async () => {
    // MFA only when asked (the chooser sign-ins need none) and Azure's mandatory MFA for writes.
    // A browser silent for 3 s gets the sign-in hint (the app's default: 3 min).
    h = await startHarness({ publicCloud: true, tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS, mfaForArmWrites: true, signInSlowAfterMs: 3_000 });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `public-cloud ${ctx.task.name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('adds a profile for myserver.postgres.database.azure.com on the public cloud and signs in on the chooser', async () => {
    await h.page.getByRole('button', { name: 'Add your first server' }).click();
    const editor = h.page.locator('dialog[data-dialog="profile-editor"]');
    expect(await editor.getByLabel('Cloud', { exact: true }).inputValue()).toBe('public');
    await app.fillProfile({ host: PUBLIC_SERVER, port: 5432, username: ACCOUNTS.adminGroup, name: 'contoso-prod' });
    const signInPage = h.nextSignInPage();
    await editor.getByLabel('Account', { exact: true }).selectOption({ label: 'Sign in with another account…' });
    const page = await signInPage;
    await expect.poll(() => page.url(), { timeout: 20_000 }).toMatch(/^https:\/\/login\.microsoftonline\.com\/organizations\/oauth2\/v2\.0\/authorize\?/);
    await app.chooseAccountOnSignInPage(page, ACCOUNTS.secondary);
    await expect.poll(() => editor.getByLabel('Account', { exact: true }).inputValue(), { timeout: 20_000 }).toBe(ACCOUNTS.secondary);
    await app.saveProfile();
    await expect.poll(() => h.page.getByTestId('accounts-panel').innerText()).toContain(ACCOUNTS.secondary);
  });

  it('connects as db-admins and runs a query; runs again after the token expired, with no prompt', { timeout: 90_000 }, async () => {
    await app.connect('contoso-prod');
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
    await app.runSql("select current_user, 'first' as run");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain('first');
    await h.page.waitForTimeout((TOKEN_LIFETIME_SECONDS + 2) * 1000);
    // A new physical connection needs a new token: the broker refreshes it silently.
    await h.sim.flex?.control.dropAllConnections();
    await app.runSql("select current_user, 'after expiry' as run");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 30_000 }).toContain('after expiry');
    expect(await h.page.locator('dialog[data-dialog="sign-in"]').count()).toBe(0);
    expect(h.sim.entra.control.requestCount('token:refresh_token')).toBeGreaterThan(0);
  });

  it('exports the profile to pgAdmin with a password command that names no cloud file', async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await h.page.getByTestId('profile-detail').getByRole('button', { name: 'Export to pgAdmin…' }).click();
    const dialog = app.dialog('pgadmin');
    await dialog.waitFor();
    const saved = h.nextSavedFile('servers.json');
    await dialog.getByRole('button', { name: /^Export 1 to servers\.json$/ }).click();
    const file = await saved;
    const servers = JSON.parse(readFileSync(file, 'utf8')) as { Servers: Record<string, { Host: string; PasswordExecCommand: string }> };
    const server = Object.values(servers.Servers)[0];
    expect(server?.Host).toBe(PUBLIC_SERVER);
    expect(server?.PasswordExecCommand).toMatch(/ token /);
    expect(server?.PasswordExecCommand).not.toContain('--cloud');
    expect(readFileSync(file, 'utf8')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT in the file
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
  });

  /** Browse Azure → the server → "Create profile" → the editor as proposed → Save. */
  async function profileFromAzure(server: string): Promise<void> {
    await h.page.getByRole('banner').getByRole('button', { name: 'Browse Azure' }).click();
    const item = h.page.getByTestId('browse-azure').locator(`button.server-item[data-server="${server}"]`);
    await item.click({ timeout: 30_000 });
    const details = h.page.getByTestId('server-details');
    await expect.poll(() => details.innerText(), { timeout: 20_000 }).toContain(`${server}.postgres.database.azure.com`);
    await details.getByRole('button', { name: 'Create profile' }).click();
    const editor = app.dialog('profile-editor');
    await editor.waitFor({ timeout: 30_000 });
    expect(await editor.getByLabel('Server name').inputValue()).toBe(`${server}.postgres.database.azure.com`);
    expect(await editor.getByLabel('Cloud', { exact: true }).inputValue()).toBe('public');
    expect(await editor.getByLabel('Username', { exact: true }).inputValue()).toBe(ACCOUNTS.adminGroup);
    expect(await editor.getByLabel('Account', { exact: true }).inputValue()).toBe(ACCOUNTS.secondary);
    // Inside the public cloud's domains: no consent to confirm.
    expect(await editor.getByRole('checkbox', { name: /non-Azure host/ }).count()).toBe(0);
    await app.saveProfile();
    await app.profileInSidebar(server).waitFor();
  }

  it('Browse Azure: a profile from myserver connects as db-admins without a typed host', { timeout: 90_000 }, async () => {
    // The export's dialog is still open from the journey above.
    await app.dialog('pgadmin').getByRole('button', { name: 'Close' }).click();
    await app.dialog('pgadmin').waitFor({ state: 'detached' });
    await profileFromAzure('myserver');
    await app.connect('myserver');
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
  });

  it('lockedserver: the firewall refusal offers "Allow my IP" with the address the server saw; after it the connect works', { timeout: 120_000 }, async () => {
    await profileFromAzure('lockedserver');
    await app.connect('lockedserver');
    const diag = h.page.getByTestId('diagnostics');
    await diag.waitFor({ timeout: 30_000 });
    const finding = diag.locator('[data-finding="firewall_blocked"]');
    await finding.waitFor({ timeout: 30_000 });
    expect(await finding.innerText()).toContain('127.0.0.1');
    await h.page.getByTestId('toast').waitFor({ state: 'detached', timeout: 10_000 });
    await screenshotBoth(h.page, 'public-cloud-connect-firewall-finding');
    expect(await axeSerious(h.page, 'public-cloud-firewall-finding')).toEqual([]);
    await finding.getByRole('button', { name: 'Allow my IP…' }).click();
    const confirm = app.dialog('allow-my-ip');
    await confirm.waitFor();
    expect(await confirm.innerText()).toMatch(/Server\s+lockedserver[\s\S]*Rule name\s+pgentra-127-0-0-1[\s\S]*IP range\s+127\.0\.0\.1 – 127\.0\.0\.1/);
    const stepUpPage = h.nextSignInPage();
    await confirm.getByRole('button', { name: 'Add rule' }).click();
    // ARM refused the write without MFA: the dialog says why while the browser asks for it.
    const why = confirm.getByTestId('step-up');
    await expect.poll(() => why.innerText(), { timeout: 30_000 }).toContain('Azure requires multi-factor authentication to change firewall rules.');
    await screenshotBoth(h.page, 'public-cloud-allow-my-ip-step-up');
    const page = await stepUpPage;
    // The step-up is for the account the rule is added as, for Resource Manager, with Azure's claims.
    const asked = new URL(page.url()).searchParams;
    expect(asked.get('login_hint')).toBe(ACCOUNTS.secondary);
    expect(asked.get('scope')).toContain('https://management.azure.com/.default');
    expect(asked.get('claims')).toContain('acrs');
    await app.approveMfaOnSignInPage(page, ACCOUNTS.secondary);
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
    expect(h.sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toContain('pgentra-127-0-0-1');
    // The refused write (and the SDK's own retry, when its token cycler was not renewing a 6-s token
    // just then), then the one after the step-up; one MFA prompt, no loop.
    const writes = h.sim.arm.control.requestCount('firewallRules:write');
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(3);
    expect(h.sim.entra.control.events('mfaApproved')).toHaveLength(1);
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
  });

  it('Allow my IP again, and the step-up browser never comes back: the dialog offers a device code, approved with MFA, and the rule is added', { timeout: 120_000 }, async () => {
    // The rule goes, and so does the MFA: sign out and in again (the chooser needs no MFA).
    h.sim.arm.control.setFirewallRules(
      'lockedserver',
      h.sim.arm.control.firewallRules('lockedserver').filter((r) => !r.name.startsWith('pgentra-')),
    );
    await h.composed.broker.signOut('public', { all: true });
    await h.page.getByRole('button', { name: 'Home' }).click();
    const signIn = h.nextSignInPage();
    await h.page.getByTestId('accounts-panel').getByRole('button', { name: 'Sign in…' }).click();
    await app.chooseAccountOnSignInPage(await signIn, ACCOUNTS.secondary);

    await app.connect('lockedserver');
    const finding = h.page.getByTestId('diagnostics').locator('[data-finding="firewall_blocked"]');
    await finding.waitFor({ timeout: 30_000 });
    await finding.getByRole('button', { name: 'Allow my IP…' }).click();
    const confirm = app.dialog('allow-my-ip');
    const stepUpPage = h.nextSignInPage();
    await confirm.getByRole('button', { name: 'Add rule' }).click();
    await stepUpPage; // left alone: the person has no working browser here
    const why = confirm.getByTestId('step-up');
    await expect.poll(() => why.innerText(), { timeout: 30_000 }).toContain('does not come back to pgEntra');
    await why.getByRole('button', { name: 'Use a device code instead' }).click();
    const code = why.getByTestId('step-up-device-code');
    await code.waitFor({ timeout: 20_000 });
    const approvals = h.sim.entra.control.events('mfaApproved').length;
    h.sim.entra.control.approveDeviceCode((await code.innerText()).trim(), ACCOUNTS.secondary, { mfa: true });
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
    expect(h.sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toContain('pgentra-127-0-0-1');
    expect(h.sim.entra.control.events('mfaApproved')).toHaveLength(approvals + 1);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
  });

  it('China: the profile editor signs in through the authorize URL MSAL builds on login.partner.microsoftonline.cn, checked, not stubbed', async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await h.page.getByRole('button', { name: '+ New profile' }).click();
    const editor = app.dialog('profile-editor');
    await editor.waitFor();
    await editor.getByLabel('Cloud', { exact: true }).selectOption('china');
    const signInPage = h.nextSignInPage();
    await editor.getByLabel('Account', { exact: true }).selectOption({ label: 'Sign in with another account…' });
    const page = await signInPage;
    // MSAL rewrites China's authority host to its preferred network host; the app opens it.
    await expect.poll(() => page.url(), { timeout: 20_000 }).toMatch(/^https:\/\/login\.partner\.microsoftonline\.cn\/organizations\/oauth2\/v2\.0\/authorize\?/);
    expect(new URL(page.url()).searchParams.get('scope')).toContain('https://ossrdbms-aad.database.chinacloudapi.cn/.default');
    await app.chooseAccountOnSignInPage(page, ACCOUNTS.secondary);
    await expect.poll(() => editor.getByLabel('Account', { exact: true }).inputValue(), { timeout: 20_000 }).toBe(ACCOUNTS.secondary);
    await editor.getByRole('button', { name: 'Cancel' }).click();
  });
});
