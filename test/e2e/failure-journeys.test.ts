// What a person sees when things go wrong, end to end against the simulators:
// (a) an account that is not a member of db-admins → the actionable error and the diagnostics
//     (what was sent: username, account, claims summary — never the token); the PIM advice and
//     "Retry with a fresh token", which fetches a new token from Entra;
// (b) Entra and the server go away while a session is open → the reconnecting banner, the app
//     stays usable, and once both are back a query works with no prompt;
// (c) a long `select pg_sleep(30)` cancelled with Esc and with the Cancel button → back within 2 s,
//     and the Messages tab says it was cancelled.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS } from '../sim/types.js';
import { AppPage } from './appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type AxeFinding, type Harness } from './harness.js';

// Short tokens: a reconnect after the outage needs a fresh token, so the Entra outage matters.
const TOKEN_LIFETIME_SECONDS = 8;
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;

describe('failure journeys', () => {
  let h: Harness;
  let app: AppPage;
  const axeFindings: AxeFinding[] = [];

  beforeAll(async () => {
    h = await startHarness({ tokenLifetimeSeconds: TOKEN_LIFETIME_SECONDS });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `failure-journeys ${ctx.task.name}`);
  });
  afterAll(async () => {
    // Never leave the simulators down for a later test.
    await h?.sim.entra.control.setOutage('none').catch(() => undefined);
    await h?.sim.flex?.control.setOutage(false).catch(() => undefined);
    await h?.close();
  });

  async function addProfile(name: string, account: string): Promise<void> {
    const flex = h.sim.flex;
    if (!flex) throw new Error('the flexible-server simulator is not running');
    const empty = h.page.getByRole('button', { name: 'Add your first server' });
    if (await empty.isVisible()) await empty.click();
    else await h.page.getByRole('button', { name: '+ New profile' }).click();
    await app.fillProfile({ host: flex.host, port: flex.port, username: ACCOUNTS.adminGroup, customCloudFile: h.sim.stateFile, name });
    await app.signInViaAccountPicker(account);
    await app.saveProfile();
    await app.profileInSidebar(name).waitFor();
  }

  it('(a) a non-member account gets the actionable error and the diagnostics, never the token', async () => {
    await addProfile('alice-as-admins', ACCOUNTS.primary);
    await app.connect('alice-as-admins');
    const diag = h.page.getByTestId('diagnostics');
    await diag.waitFor({ timeout: 30_000 });
    const alert = await diag.getByRole('alert').innerText();
    expect(alert).toContain(`Account ${ACCOUNTS.primary} is not a member of group db-admins, or the role db-admins does not exist`);
    // The stages reached: TLS and the token done, authentication failed.
    const steps = await h.page.getByRole('list', { name: 'Connection progress' }).innerText();
    expect(steps).toMatch(/Opening a verified TLS connection\s*— done/);
    expect(steps).toMatch(/Acquiring an Entra token\s*— done/);
    expect(steps).toMatch(/Authenticating with the token\s*— failed/);
    // What was sent: username, account and the token's claims summary (it arrives after the failure).
    await expect.poll(() => diag.innerText(), { timeout: 15_000 }).toMatch(/user token for https:\/\/ossrdbms-aad\.database\.windows\.net/);
    const text = await diag.innerText();
    expect(text).toMatch(/Username\s+db-admins/);
    expect(text).toMatch(new RegExp(`Account\\s+${ACCOUNTS.primary.replace(/[.]/g, '\\.')}`));
    expect(text).toContain('role_not_found_or_not_member');
    expect(text).toMatch(/is a member of the Entra group “db-admins”/);
    expect(await h.page.locator('body').innerText()).not.toMatch(JWT);
    expect(await h.page.content()).not.toMatch(JWT);
    await diag.getByRole('button', { name: 'Sign in with another account…' }).waitFor();
    await screenshotBoth(h.page, '10-diagnostics');
    axeFindings.push(...(await axeSerious(h.page, 'diagnostics')));
    await h.page.getByRole('button', { name: 'Close alice-as-admins' }).click();
  });

  it('(a2) a refused group login offers PIM advice and "Retry with a fresh token", which asks Entra for a new token', async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await app.connect('alice-as-admins');
    const diag = h.page.getByTestId('diagnostics');
    await diag.waitFor({ timeout: 30_000 });
    await expect.poll(() => diag.innerText(), { timeout: 15_000 }).toContain('Privileged Identity Management');
    expect(await diag.innerText()).toContain('If your membership in db-admins is eligible rather than active');
    const before = h.sim.entra.control.requestCount('token:refresh_token');
    await diag.getByRole('button', { name: 'Retry with a fresh token' }).click();
    // The retry is refused again (alice is not a member), after a token fetched from Entra.
    await expect.poll(() => h.sim.entra.control.requestCount('token:refresh_token'), { timeout: 30_000 }).toBeGreaterThan(before);
    await h.page.getByTestId('diagnostics').waitFor({ timeout: 30_000 });
    expect(await h.page.getByTestId('diagnostics').getByRole('alert').innerText()).toContain(`Account ${ACCOUNTS.primary} is not a member of group db-admins`);
    expect(await h.page.content()).not.toMatch(JWT);
    await h.page.getByRole('button', { name: 'Close alice-as-admins' }).click();
  });

  it('(b) an Entra and server outage while a session is open: banner, still usable, recovers without a prompt', { timeout: 120_000 }, async () => {
    await h.page.getByRole('button', { name: 'Home' }).click();
    await addProfile('contoso-admins', ACCOUNTS.secondary);
    await app.connect('contoso-admins');
    await app.waitForSession();
    await app.runSql("select 'before outage' as note");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain('before outage');
    // Let the session's token expire: the reconnect will need a new one from Entra.
    await h.page.waitForTimeout(TOKEN_LIFETIME_SECONDS * 1000 + 500);

    await h.sim.entra.control.setOutage('refused');
    await h.sim.flex?.control.setOutage(true);
    const banner = h.page.getByTestId('session-banner');
    await expect.poll(() => banner.innerText(), { timeout: 20_000 }).toMatch(/contoso-admins:\s*connection lost — reconnecting/);
    await expect.poll(() => h.page.getByTestId('status-bar').innerText()).toContain('reconnecting');
    await screenshotBoth(h.page, '11-outage-reconnecting');
    axeFindings.push(...(await axeSerious(h.page, 'outage')));

    // Still usable: home, the profile's details and back to the session tab.
    await h.page.getByRole('button', { name: 'Home' }).click();
    await h.page.getByTestId('accounts-panel').waitFor();
    await app.profileInSidebar('contoso-admins').click();
    await expect.poll(() => h.page.getByTestId('profile-detail').innerText()).toContain(ACCOUNTS.secondary);
    await h.page.locator('[data-tab="contoso-admins"]').getByRole('button', { name: 'contoso-admins', exact: true }).click();
    await app.waitForSession();

    // The server is back but Entra is not: no token for a new connection, and the banner says why.
    await h.sim.flex?.control.setOutage(false);
    await expect.poll(() => banner.innerText(), { timeout: 30_000 }).toMatch(/Cannot reach Microsoft Entra ID/);

    await h.sim.entra.control.setOutage('none');
    await expect.poll(() => h.page.getByTestId('session-banner').count(), { timeout: 40_000 }).toBe(0);
    await expect.poll(() => h.page.getByTestId('status-bar').innerText()).toContain('connected');
    await app.runSql("select current_user, 'after outage' as note");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain('after outage');
    expect(await app.gridCells()).toContain(ACCOUNTS.adminGroup);
    expect(await h.page.locator('dialog[data-dialog="sign-in"]').count()).toBe(0);
    expect(await h.page.getByTestId('sign-in-banner').count()).toBe(0);
  });

  async function cancelLongQuery(how: 'Esc' | 'button'): Promise<number> {
    await app.runSql('select pg_sleep(30)');
    const cancelButton = h.page.getByRole('button', { name: '■ Cancel' });
    await expect.poll(() => cancelButton.isEnabled(), { timeout: 5_000 }).toBe(true);
    await h.page.waitForTimeout(500);
    const started = Date.now();
    if (how === 'Esc') await h.page.keyboard.press('Escape');
    else await cancelButton.click();
    await app.waitForQueryIdle(15_000);
    return Date.now() - started;
  }

  it('(c) cancels a long pg_sleep with Esc and with the Cancel button, long before it ends', { timeout: 90_000 }, async () => {
    for (const how of ['Esc', 'button'] as const) {
      const took = await cancelLongQuery(how);
      // Generous (a busy machine running Chromium, Electron and PostgreSQL): the uncancelled sleep takes 30 s.
      expect(took, `cancel with ${how}`).toBeLessThan(10_000);
      const messagesTab = h.page.getByRole('tab', { name: /^Messages/ });
      await expect.poll(() => messagesTab.getAttribute('aria-selected')).toBe('true');
      const messages = await h.page.getByTestId('messages').innerText();
      expect(messages).toMatch(/The query was cancelled\./);
      expect(messages).toMatch(/Cancelled after/);
      expect(await h.page.getByTestId('query-summary').innerText()).toMatch(/^Cancelled after/);
    }
    await screenshotBoth(h.page, '12-query-cancelled');
    // The session is still usable afterwards.
    await app.runSql("select 'still here' as note");
    await app.waitForQueryIdle();
    await expect.poll(() => app.gridCells(), { timeout: 20_000 }).toContain('still here');
  });

  it('kept the page within its CSP, without errors, invalid events or serious axe violations', async () => {
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
    expect(axeFindings).toEqual([]);
  });
});
