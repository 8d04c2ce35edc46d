// Browse Azure end to end, through the real router and services against the simulated Azure
// Resource Manager (localhost mode): Browse Azure with no account → sign in as the secondary ID →
// subscriptions and servers listed across ARM pages, the 403 note for Fabrikam Shared, badges for
// the stopped, Entra-off and private servers, the filter → a server's details and findings →
// "Create profile" from myserver → the editor prefilled (FQDN, 5432, postgres, db-admins, the
// account pinned) → Save → the profile in the sidebar.
// Then the pre-flight in the connect flow: the FQDNs do not connect in localhost mode, so a copy of
// the profile points at the simulator's address (localhost = myserver), linked to myserver's ARM
// resource (the editor would drop that link); myserver's firewall is closed to this machine → the connect
// fails → the diagnostics show the firewall finding with the address the server saw → "Allow my
// IP…" → confirm → the rule is added through ARM → the retried connect succeeds as db-admins.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ALLOW_ALL } from '../sim/arm/index.js';
import { ACCOUNTS } from '../sim/types.js';
import { AppPage } from './appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type AxeFinding, type Harness } from './harness.js';

const OFFICE = { name: 'office', startIpAddress: '203.0.113.0', endIpAddress: '203.0.113.255' };

describe('Browse Azure', () => {
  let h: Harness;
  let app: AppPage;
  const axeFindings: AxeFinding[] = [];

  beforeAll(async () => {
    h = await startHarness();
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `browse-azure ${ctx.task.name}`);
  });
  afterAll(async () => {
    h?.sim.arm.control.setFirewallRules('myserver', [ALLOW_ALL]);
    await h?.close();
  });

  const view = () => h.page.getByTestId('browse-azure');
  /** Screenshots without the passing "Signed in…/Saved…" toast. */
  const noToast = () => h.page.getByTestId('toast').waitFor({ state: 'detached', timeout: 10_000 });
  const serverButton = (name: string) => view().locator(`button.server-item[data-server="${name}"]`);

  it('asks to sign in first, then lists the account’s subscriptions and servers', async () => {
    await h.page.getByRole('banner').getByRole('button', { name: 'Browse Azure' }).click();
    await expect.poll(() => view().getByRole('heading', { name: 'Browse Azure' }).isVisible()).toBe(true);
    axeFindings.push(...(await axeSerious(h.page, 'browse-sign-in')));
    const signInPage = h.nextSignInPage();
    await view().getByRole('button', { name: 'Sign in…' }).click();
    await app.chooseAccountOnSignInPage(await signInPage, ACCOUNTS.secondary);
    await serverButton('myserver').waitFor({ timeout: 30_000 });
    expect(await view().getByRole('combobox', { name: 'Account' }).locator('option:checked').innerText()).toContain(ACCOUNTS.secondary);
  });

  it('shows every server across ARM’s pages, the 403 note and the status badges', async () => {
    const names = async (sub: string): Promise<string[]> =>
      view()
        .locator(`[data-subscription="${sub}"] button.server-item`)
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-server') ?? ''));
    expect(await names('Contoso Production')).toEqual(['entraoffserver', 'lockedserver', 'myserver', 'otherserver', 'stoppedserver']);
    expect(await names('Contoso Dev')).toEqual(['devserver']);
    // Five servers at three per page: the listing followed nextLink.
    expect(h.sim.arm.control.requestCount('servers')).toBeGreaterThanOrEqual(3);
    const headings = await view().getByRole('heading', { level: 2 }).allInnerTexts();
    expect(headings.map((t) => t.replace(/\s+\d.*$/, ''))).toEqual(['Contoso Dev', 'Contoso Production', 'Fabrikam Shared']);
    expect(await view().locator('[data-subscription="Fabrikam Shared"]').getByTestId('azure-note').innerText()).toMatch(/^You cannot read Fabrikam Shared \(403\)/);

    const badges = async (name: string): Promise<string[]> => serverButton(name).locator('.badge').allInnerTexts();
    expect(await badges('myserver')).toEqual(['Ready', 'Entra on', 'Public network', 'PostgreSQL 16', 'westeurope']);
    expect(await badges('stoppedserver')).toContain('Stopped');
    expect(await badges('entraoffserver')).toContain('Entra off');
    expect(await badges('devserver')).toContain('Private network');
    expect(await badges('otherserver')).toContain('PostgreSQL 17');
    expect(await serverButton('myserver').innerText()).toContain('myserver.postgres.database.azure.com');

    // The filter box narrows every subscription at once; the list says what it hides.
    const filter = view().getByRole('searchbox', { name: 'Filter servers' });
    await filter.fill('stopped');
    await expect.poll(() => view().locator('button.server-item').count()).toBe(1);
    expect(await view().locator('[data-subscription="Contoso Production"] h2').innerText()).toContain('1 of 5');
    await filter.fill('');
    await expect.poll(() => view().locator('button.server-item').count()).toBe(6);

    // Arrow keys move between servers.
    await serverButton('entraoffserver').focus();
    await h.page.keyboard.press('ArrowDown');
    expect(await h.page.evaluate(() => document.activeElement?.getAttribute('data-server'))).toBe('lockedserver');
  });

  it('shows a server’s details with its pre-flight findings', async () => {
    await serverButton('entraoffserver').click();
    const details = h.page.getByTestId('server-details');
    await details.waitFor({ timeout: 20_000 });
    expect(await details.innerText()).toContain('entraoffserver.postgres.database.azure.com');
    await details.locator('[data-finding="entra_disabled"]').waitFor();
    expect(await details.locator('[data-finding="entra_disabled"]').innerText()).toMatch(/Security → Authentication/);
    await serverButton('stoppedserver').click();
    await details.locator('[data-finding="server_stopped"]').waitFor({ timeout: 20_000 });
    expect(await serverButton('stoppedserver').getAttribute('aria-current')).toBe('true');
    await noToast();
    await screenshotBoth(h.page, '20-browse-azure');
    axeFindings.push(...(await axeSerious(h.page, 'browse-azure')));

    await serverButton('myserver').click();
    await expect.poll(() => details.innerText(), { timeout: 20_000 }).toContain('db-admins (Group)');
    expect(await details.locator('[data-finding]').count()).toBe(0);
  });

  it('creates a profile from myserver: the editor is prefilled, the person saves it', async () => {
    await h.page.getByTestId('server-details').getByRole('button', { name: 'Create profile' }).click();
    const editor = app.dialog('profile-editor');
    await editor.waitFor({ timeout: 30_000 });
    expect(await editor.getByRole('heading', { name: 'New profile for myserver' }).isVisible()).toBe(true);
    expect(await editor.getByLabel('Server name').inputValue()).toBe('myserver.postgres.database.azure.com');
    expect(await editor.getByLabel('Port').inputValue()).toBe('5432');
    expect(await editor.getByLabel('Maintenance database').inputValue()).toBe('postgres');
    expect(await editor.getByLabel('Username', { exact: true }).inputValue()).toBe(ACCOUNTS.adminGroup);
    expect(await editor.getByLabel('Account', { exact: true }).inputValue()).toBe(ACCOUNTS.secondary);
    expect(await editor.getByLabel('Cloud', { exact: true }).inputValue()).toBe('custom');
    const choices = editor.getByRole('radiogroup', { name: 'Proposed usernames' });
    expect(await choices.getByRole('radio', { name: new RegExp(`^${ACCOUNTS.adminGroup}\\b`) }).isChecked()).toBe(true);
    // The username stays free text next to the choices.
    await editor.getByLabel('Username', { exact: true }).fill('someone-else');
    expect(await choices.getByRole('radio', { name: new RegExp(`^${ACCOUNTS.adminGroup}\\b`) }).isChecked()).toBe(false);
    await choices.getByRole('radio', { name: new RegExp(`^${ACCOUNTS.adminGroup}\\b`) }).check();
    expect(await editor.getByLabel('Username', { exact: true }).inputValue()).toBe(ACCOUNTS.adminGroup);
    // The simulator's cloud file lists only localhost as its PostgreSQL domain: the real FQDN needs the
    // person's consent there (with the public cloud it is inside the domains; see the public-cloud journey).
    const nonAzure = editor.getByRole('checkbox', { name: /Send my Entra token to a non-Azure host/ });
    await nonAzure.waitFor({ timeout: 10_000 });
    await nonAzure.check();
    // Nor is the simulator's cloud file trusted on this machine yet: the person ticks that too. The
    // ticks only ask — Save shows the main process's own dialogs, which decide.
    await editor.getByRole('checkbox', { name: /Trust this custom cloud file/ }).check();
    await editor.locator('.dialog-content').evaluate((el) => el.scrollTo(0, 0));
    await screenshotBoth(h.page, '21-profile-from-azure');
    axeFindings.push(...(await axeSerious(h.page, 'profile-from-azure')));
    const shown = h.decisionDialogs.length;
    await app.saveProfile();
    await app.profileInSidebar('myserver').waitFor();
    const dialogs = h.decisionDialogs.slice(shown).map((d) => `${d.message}\n${d.detail}`);
    expect(dialogs).toEqual([expect.stringMatching(/^Send your Entra access token to myserver\.postgres\.database\.azure\.com:5432\?/), expect.stringContaining(h.sim.stateFile)]);
    const saved = (await h.composed.store.list()).find((p) => p.name === 'myserver');
    expect(saved).toMatchObject({
      host: 'myserver.postgres.database.azure.com',
      port: 5432,
      database: 'postgres',
      username: ACCOUNTS.adminGroup,
      credential: { kind: 'interactive', account: ACCOUNTS.secondary },
      azure: { resourceId: expect.stringMatching(/\/flexibleServers\/myserver$/) },
    });
  });

  it('a firewall refusal shows the finding with the address the server saw; “Allow my IP” adds the rule and the connect works', { timeout: 120_000 }, async () => {
    const flex = h.sim.flex;
    if (!flex) throw new Error('the flexible-server simulator is not running');
    // Localhost mode: the simulator's address stands for myserver. The editor drops the Azure link
    // of a host that does not name the server, so the profile that reaches the simulator and stays
    // linked to myserver is made like the one from Azure, with the simulator's address.
    const fromAzure = (await h.composed.store.list()).find((p) => p.name === 'myserver');
    if (!fromAzure?.azure) throw new Error('the profile from Azure has no link to its server');
    await app.profileInSidebar('myserver').click();
    await h.page.getByTestId('profile-detail').getByRole('button', { name: 'Edit', exact: true }).click();
    const editor = app.dialog('profile-editor');
    expect(await editor.getByTestId('azure-link').innerText()).toContain('Linked to the Azure server myserver');
    await editor.getByLabel('Server name').fill(flex.host);
    expect(await editor.getByTestId('azure-link').innerText()).toContain('saving removes the profile’s link');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    const { id: _id, createdAt: _c, updatedAt: _u, ...input } = fromAzure;
    await h.composed.store.create({ ...input, name: 'myserver-sim', host: flex.host, port: flex.port, confirmations: {} });
    await app.profileInSidebar('myserver-sim').waitFor();

    h.sim.arm.control.setFirewallRules('myserver', [OFFICE]);
    await app.connect('myserver-sim');
    const diag = h.page.getByTestId('diagnostics');
    await diag.waitFor({ timeout: 30_000 });
    expect(await diag.getByRole('alert').innerText()).toMatch(/firewall/i);
    const finding = diag.locator('[data-finding="firewall_blocked"]');
    await finding.waitFor({ timeout: 30_000 });
    expect(await finding.innerText()).toContain('127.0.0.1');
    expect(await diag.innerText()).toContain('What Azure says about the server');
    await noToast();
    await screenshotBoth(h.page, '22-connect-firewall-finding');
    axeFindings.push(...(await axeSerious(h.page, 'connect-firewall-finding')));

    await finding.getByRole('button', { name: 'Allow my IP…' }).click();
    const confirm = app.dialog('allow-my-ip');
    await confirm.waitFor();
    const facts = await confirm.innerText();
    expect(facts).toMatch(/Server\s+myserver/);
    expect(facts).toMatch(/Rule name\s+pgentra-127-0-0-1/);
    expect(facts).toMatch(/IP range\s+127\.0\.0\.1 – 127\.0\.0\.1/);
    // Cancel is the default: Enter right away changes nothing.
    await expect.poll(() => h.page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await screenshotBoth(h.page, '23-allow-my-ip');
    axeFindings.push(...(await axeSerious(h.page, 'allow-my-ip')));
    await h.page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    expect(h.sim.arm.control.firewallRules('myserver').map((r) => r.name)).toEqual(['office']);

    await finding.getByRole('button', { name: 'Allow my IP…' }).click();
    await confirm.getByRole('button', { name: 'Add rule' }).click();
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
    expect(h.sim.arm.control.firewallRules('myserver')).toContainEqual({ name: 'pgentra-127-0-0-1', startIpAddress: '127.0.0.1', endIpAddress: '127.0.0.1' });
    // The renderer's "Add rule" only asked: the main process's own dialog named rule, server and address.
    const firewall = h.decisionDialogs.find((d) => d.title === 'Change the Azure firewall');
    expect(`${firewall?.message}\n${firewall?.detail}`).toMatch(/pgentra-127-0-0-1 to myserver\?[\s\S]*Allowed address: 127\.0\.0\.1 – 127\.0\.0\.1/);
  });

  it('kept the page within its CSP, without errors, invalid events or serious axe violations', async () => {
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
