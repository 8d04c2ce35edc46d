// The desktop app behind the corporate proxy, with the product's production configuration: no
// HTTPS_PROXY in its environment, the proxy comes from the operating system's settings as Chromium
// resolves them (Electron's session.resolveProxy — its answer is given here, the binary being
// absent). Sign-in and Browse Azure go through the proxy; the database connection goes direct.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppPage } from '../e2e/appPage.js';
import { captureFailure, startHarness, type Harness } from '../e2e/harness.js';
import { PUBLIC_SERVER } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { namespaceOrSkip } from './fixture.js';

const skip = namespaceOrSkip();

describe.skipIf(skip !== undefined)('public cloud: the desktop app behind the corporate proxy (OS proxy settings)', () => {
  let h: Harness;
  let app: AppPage;
  const asked: string[] = [];

  beforeAll(async () => {
    if (process.env.HTTPS_PROXY || process.env.https_proxy) throw new Error('this test needs no HTTPS_PROXY in its environment: the proxy must come from the OS settings');
    h = await startHarness({
      publicCloud: true,
      corporateProxy: true,
      // What Chromium answers for an https URL on a machine whose proxy settings (or PAC) name the corporate proxy.
      systemProxy: async (url) => {
        asked.push(new URL(url).host);
        return 'PROXY proxy.contoso.example:3128';
      },
    });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `public-cloud-proxy ${ctx.task.name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('signs in, connects as db-admins and browses Azure; Entra and Resource Manager through the proxy, the database direct', { timeout: 120_000 }, async () => {
    await h.page.getByRole('button', { name: 'Add your first server' }).click();
    const editor = app.dialog('profile-editor');
    await app.fillProfile({ host: PUBLIC_SERVER, port: 5432, username: ACCOUNTS.adminGroup, name: 'contoso-prod' });
    await app.signInViaAccountPicker(ACCOUNTS.secondary);
    expect(await editor.getByLabel('Account', { exact: true }).inputValue()).toBe(ACCOUNTS.secondary);
    await app.saveProfile();

    await app.connect('contoso-prod');
    await app.waitForSession();
    await expect.poll(() => h.page.getByTestId('current-user').innerText(), { timeout: 20_000 }).toBe(ACCOUNTS.adminGroup);

    await h.page.getByRole('banner').getByRole('button', { name: 'Browse Azure' }).click();
    await h.page.getByTestId('browse-azure').locator('button.server-item[data-server="myserver"]').waitFor({ timeout: 30_000 });

    // The main process asked the OS settings for Entra and Resource Manager, and went through the proxy.
    expect(asked).toContain('login.microsoftonline.com');
    expect(asked).toContain('management.azure.com');
    const tunnels = h.sim.proxy?.control.connects() ?? [];
    expect(new Set(tunnels.filter((t) => t.status === 200).map((t) => t.host))).toEqual(new Set(['login.microsoftonline.com', 'management.azure.com']));
    expect(tunnels.some((t) => t.port === 5432)).toBe(false);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
  });
});
