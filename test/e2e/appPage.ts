// Page object for the pgEntra window: what a person does, in their words (labels and button
// names), so tests read like the journeys they check.
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { Harness } from './harness.js';
import { listTrustedClouds } from '../../electron/connect/cloudTrust.js';

export interface ProfileFields {
  host: string;
  port: number;
  database?: string;
  username: string;
  customCloudFile?: string;
  name?: string;
}

export class AppPage {
  constructor(
    readonly page: Page,
    readonly h: Harness,
  ) {}

  dialog(name: string): Locator {
    return this.page.locator(`dialog[data-dialog="${name}"]`);
  }

  async fillProfile(f: ProfileFields): Promise<void> {
    const d = this.dialog('profile-editor');
    await d.getByLabel('Server name').fill(f.host);
    await d.getByLabel('Port').fill(String(f.port));
    if (f.database) await d.getByLabel('Maintenance database').fill(f.database);
    await d.getByLabel('Username').fill(f.username);
    if (f.customCloudFile) {
      await d.getByLabel('Cloud', { exact: true }).selectOption('custom');
      await d.getByLabel('Custom cloud file').fill(f.customCloudFile);
      // Not trusted on this machine yet: the editor warns and offers the tick, which only asks —
      // Save then shows the main process's own dialog (harness: decisionDialogs) that records it.
      const file = f.customCloudFile;
      if (!listTrustedClouds(this.h.dataDir).some((c) => c.file === file)) await d.getByRole('checkbox', { name: /Trust this custom cloud file/ }).check({ timeout: 10_000 });
    }
    if (f.name) await d.getByLabel('Profile name').fill(f.name);
  }

  /** Picks "Sign in with another account…" and signs in on the simulator's chooser page. */
  async signInViaAccountPicker(upn: string): Promise<void> {
    const d = this.dialog('profile-editor');
    const signInPage = this.h.nextSignInPage();
    await d.getByLabel('Account', { exact: true }).selectOption({ label: 'Sign in with another account…' });
    await this.chooseAccountOnSignInPage(await signInPage, upn);
    await expect.poll(() => d.getByLabel('Account', { exact: true }).inputValue(), { timeout: 20_000 }).toBe(upn);
  }

  async chooseAccountOnSignInPage(p: Page, upn: string): Promise<void> {
    await p.getByRole('button', { name: `Sign in as ${upn}`, exact: true }).click({ timeout: 20_000 });
    await p.waitForURL(/^http:\/\/(localhost|127\.0\.0\.1)/, { timeout: 20_000, waitUntil: 'commit' }).catch(() => undefined);
    await this.dialog('sign-in').waitFor({ state: 'detached', timeout: 20_000 });
    await p.close().catch(() => undefined);
  }

  /**
   * A step-up in the browser: the account (the simulator, like Entra without a session cookie,
   * asks which one even with login_hint), then the simulated Authenticator push's "Approve".
   */
  async approveMfaOnSignInPage(p: Page, upn: string): Promise<void> {
    const approve = p.getByRole('heading', { name: 'Approve sign in request' });
    const account = p.getByRole('button', { name: `Sign in as ${upn}`, exact: true });
    await approve.or(account).first().waitFor({ timeout: 20_000 });
    if (await account.isVisible()) await account.click();
    await approve.waitFor({ timeout: 20_000 });
    await p.getByRole('button', { name: 'Approve', exact: true }).click({ timeout: 20_000 });
    await p.waitForURL(/^http:\/\/(localhost|127\.0\.0\.1)/, { timeout: 20_000, waitUntil: 'commit' }).catch(() => undefined);
    await p.close().catch(() => undefined);
  }

  async saveProfile(): Promise<void> {
    await this.dialog('profile-editor').getByRole('button', { name: 'Save profile' }).click();
    await this.dialog('profile-editor').waitFor({ state: 'detached', timeout: 10_000 });
  }

  profileInSidebar(name: string): Locator {
    return this.page.locator(`[data-profile="${name}"]`);
  }

  async connect(name: string): Promise<void> {
    await this.profileInSidebar(name).click();
    await this.page.getByTestId('profile-detail').getByRole('button', { name: 'Connect', exact: true }).click();
  }

  async waitForSession(): Promise<void> {
    await this.page.getByTestId('session-view').waitFor({ timeout: 30_000 });
  }

  /** Replaces the editor text and runs it with Ctrl+Enter. */
  async runSql(sql: string): Promise<void> {
    const content = this.page.getByTestId('sql-editor').locator('.cm-content');
    await content.click();
    await this.page.keyboard.press('Control+A');
    await this.page.keyboard.type(sql);
    await this.page.keyboard.press('Control+Enter');
  }

  async waitForQueryIdle(timeout = 30_000): Promise<void> {
    await expect.poll(() => this.page.getByRole('button', { name: '■ Cancel' }).isDisabled(), { timeout }).toBe(true);
  }

  grid(): Locator {
    return this.page.getByTestId('result-grid');
  }

  async gridCells(): Promise<string[]> {
    return this.grid().locator('[role="gridcell"]').allInnerTexts();
  }
}
