// The main journey, as an admin does it: empty state → add the server profile (host, port,
// postgres, db-admins, the simulator's cloud) → sign in with the secondary ID on the chooser page →
// connect → run `select current_user, now()` → see db-admins → outlive the token and run again with
// no prompt → export to pgAdmin. Screenshots and an axe scan of every screen along the way.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../sim/types.js';
import { AppPage } from './appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type AxeFinding, type Harness } from './harness.js';

// Tokens far shorter than the broker's 120 s margin: every new connection gets a refreshed token,
// and the open session must outlive the token it logged in with.
const TOKEN_LIFETIME_SECONDS = 6;

describe('main journey', () => {
  let h: Harness;
  let app: AppPage;
  const axeFindings: AxeFinding[] = [];

  beforeAll(async () => {
    h = await startHarness({ tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `main-journey ${ctx.task.name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the three-step empty state', async () => {
    await expect.poll(() => h.page.getByRole('heading', { name: 'Connect to Azure PostgreSQL with Entra ID' }).isVisible()).toBe(true);
    await expect.poll(() => h.page.locator('.steps li').count()).toBe(3);
    await screenshotBoth(h.page, '01-empty-state');
    axeFindings.push(...(await axeSerious(h.page, 'empty-state')));
  });

  it('adds the profile and signs in with the secondary ID on the chooser page', async () => {
    const flex = h.sim.flex;
    if (!flex) throw new Error('the flexible-server simulator is not running');
    await h.page.getByRole('button', { name: 'Add your first server' }).click();
    await app.fillProfile({ host: flex.host, port: flex.port, username: ACCOUNTS.adminGroup, customCloudFile: h.sim.stateFile, name: 'contoso-prod' });
    await app.signInViaAccountPicker(ACCOUNTS.secondary);
    await screenshotBoth(h.page, '02-profile-editor');
    axeFindings.push(...(await axeSerious(h.page, 'profile-editor')));
    await app.saveProfile();
    await app.profileInSidebar('contoso-prod').waitFor();
    await expect.poll(() => h.page.getByTestId('profile-detail').innerText()).toContain(ACCOUNTS.secondary);
    await expect.poll(() => h.page.getByTestId('accounts-panel').innerText()).toContain(ACCOUNTS.secondary);
    await screenshotBoth(h.page, '03-home-profile');
    axeFindings.push(...(await axeSerious(h.page, 'home')));
  });

  it('connects and runs select current_user, now()', async () => {
    await app.connect('contoso-prod');
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);
    await app.runSql('select current_user, now()');
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain(ACCOUNTS.adminGroup);
    const header = await app.grid().locator('[role="columnheader"]').allInnerTexts();
    expect(header.join(' ')).toContain('current_user');
    expect(header.join(' ')).toContain('timestamp with time zone');
    expect(await h.page.getByTestId('token-status').innerText()).toMatch(/token/);
    await screenshotBoth(h.page, '04-session-results');
    axeFindings.push(...(await axeSerious(h.page, 'session')));
  });

  it('runs again after the token expired, without any prompt', { timeout: 60_000 }, async () => {
    const info = await h.page.getByTestId('status-bar').innerText();
    expect(info).toContain('connected');
    await h.page.waitForTimeout((TOKEN_LIFETIME_SECONDS + 2) * 1000);
    // The token the session logged in with is now past its expiry; the session is still open.
    await expect.poll(() => h.page.getByTestId('token-status').innerText()).toMatch(/expired/);
    await app.runSql("select current_user, 'after expiry' as note");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain('after expiry');
    expect(await app.gridCells()).toContain(ACCOUNTS.adminGroup);
    expect(await h.page.locator('dialog[data-dialog="sign-in"]').count()).toBe(0);
    expect(await h.page.getByTestId('sign-in-banner').count()).toBe(0);
  });

  it('exports the profile to a pgAdmin servers.json', async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await h.page.getByTestId('profile-detail').getByRole('button', { name: 'Export to pgAdmin…' }).click();
    const dialog = app.dialog('pgadmin');
    await dialog.waitFor();
    await screenshotBoth(h.page, '05-pgadmin');
    axeFindings.push(...(await axeSerious(h.page, 'pgadmin')));
    const saved = h.nextSavedFile('servers.json');
    await dialog.getByRole('button', { name: /^Export 1 to servers\.json$/ }).click();
    const file = await saved;
    await expect.poll(() => dialog.getByRole('status').innerText()).toContain(file);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { Servers: Record<string, { Name: string; Username: string; Host: string; Port: number; PasswordExecCommand: string }> };
    const servers = Object.values(json.Servers);
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({ Name: 'contoso-prod', Username: ACCOUNTS.adminGroup, Host: h.sim.flex?.host, Port: h.sim.flex?.port });
    expect(servers[0]?.PasswordExecCommand).toContain('token');
    expect(readFileSync(file, 'utf8')).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // no JWT in the file
  });

  it('kept the page within its CSP, without errors or serious axe violations', async () => {
    expect(await h.cspViolations()).toEqual([]);
    // CSP console messages are checked above by source (the tools' injected scripts cause some).
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
