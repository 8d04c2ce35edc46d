// The app's answers to an enterprise tenant, in the built renderer with the real main-process
// services: a sign-in page that never returns (Entra shows some refusals only there) makes the
// dialog say what may be wrong and offer a device code, which then signs in; Settings saves the
// organisation's client id and the OS-store trust to the file the CLI reads, and the broker uses
// them at once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clientIdFor } from '../../electron/auth/msalApps.js';
import { readSettings } from '../../electron/settings/settingsStore.js';
import { BUILTIN_CLOUDS } from '../../shared/clouds.js';
import { ACCOUNTS } from '../sim/types.js';
import { AppPage } from './appPage.js';
import { axeSerious, captureFailure, screenshotBoth, startHarness, type Harness } from './harness.js';

const ORG_APP = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac';

describe('enterprise tenant: the sign-in that does not come back, and Settings', () => {
  let h: Harness;
  let app: AppPage;

  beforeAll(async () => {
    h = await startHarness({ signInSlowAfterMs: 1_500 });
    app = new AppPage(h.page, h);
  });
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && h) await captureFailure(h.page, `enterprise ${ctx.task.name}`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('the browser stays on an Entra error page: the dialog says what may be wrong, and a device code signs in instead', { timeout: 90_000 }, async () => {
    h.sim.entra.control.failNext('authorize', { error: 'invalid_request', aadsts: 50020, pageOnly: true });
    const signInPage = h.nextSignInPage();
    await h.page.getByTestId('accounts-panel').getByRole('button', { name: 'Sign in…' }).click();
    await signInPage; // Entra's page shows its error and never posts back
    const dialog = app.dialog('sign-in');
    const slow = dialog.getByTestId('sign-in-slow');
    await slow.waitFor({ timeout: 15_000 });
    expect(await slow.innerText()).toMatch(/does not come back to pgEntra for some of them/);
    await screenshotBoth(h.page, 'sign-in-slow');
    expect(await axeSerious(h.page, 'sign-in-slow')).toEqual([]);

    await slow.getByRole('button', { name: 'Use a device code instead' }).click();
    const code = dialog.getByTestId('device-code');
    await code.waitFor({ timeout: 15_000 });
    h.sim.entra.control.approveDeviceCode((await code.innerText()).trim(), ACCOUNTS.secondary);
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });
    await expect.poll(() => h.page.getByTestId('accounts-panel').innerText(), { timeout: 20_000 }).toContain(ACCOUNTS.secondary);
  });

  it('Settings: a client id that is not one is refused; the organisation’s app and the OS store setting are saved for the CLI and used at once', async () => {
    await h.page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
    const dialog = app.dialog('settings');
    await dialog.waitFor();
    await expect.poll(() => dialog.getByTestId('os-certificates').innerText()).toMatch(/^OS certificate store on: /);
    expect(await axeSerious(h.page, 'settings')).toEqual([]);
    await screenshotBoth(h.page, 'settings');

    const publicId = dialog.getByLabel('Client id — Azure (public)');
    await expect.poll(() => dialog.getByRole('button', { name: 'Save' }).isEnabled()).toBe(true);
    await publicId.fill('not-a-guid');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toMatch(/Azure \(public\): must be an application \(client\) id/);
    expect(readSettings(h.dataDir).clientIds.public).toBeUndefined();

    // Another app registration gets the person's sign-in: the main process asks in its own dialog.
    await publicId.fill(ORG_APP);
    await dialog.getByRole('checkbox', { name: 'Trust the operating system’s certificate store' }).uncheck();
    h.settingsAnswer = 'Cancel';
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toMatch(/not confirmed/);
    expect(readSettings(h.dataDir).clientIds.public).toBeUndefined();
    expect(h.settingsDialogs.at(-1)?.detail).toContain(`public: sign in through the app registration ${ORG_APP}`);
    h.settingsAnswer = 'Change settings';
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => h.page.getByTestId('toast').innerText()).toMatch(/Sign in again/);
    expect(readSettings(h.dataDir)).toMatchObject({ trustOsCertificates: false, clientIds: { public: ORG_APP } });
    // The running app signs in to the public cloud with it from now on (custom cloud files keep their own).
    expect(clientIdFor(BUILTIN_CLOUDS.public, h.composed.broker.apps.settings)).toBe(ORG_APP);

    // Back to the defaults.
    await h.page.getByRole('banner').getByRole('button', { name: 'Settings' }).click();
    await dialog.waitFor();
    // The dialog shows what was saved (loaded from the main process) before anything is changed.
    await expect.poll(() => publicId.inputValue()).toBe(ORG_APP);
    expect(await dialog.getByRole('checkbox', { name: 'Trust the operating system’s certificate store' }).isChecked()).toBe(false);
    await publicId.fill('');
    await dialog.getByRole('checkbox', { name: 'Trust the operating system’s certificate store' }).check();
    const asked = h.settingsDialogs.length;
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Trusting the OS store again widens trust: confirmed too.
    expect(h.settingsDialogs.length).toBe(asked + 1);
    expect(h.settingsDialogs.at(-1)?.message).toBe('Trust the operating system’s certificate store?');
    expect(readSettings(h.dataDir)).toMatchObject({ trustOsCertificates: true, clientIds: {} });
    expect(clientIdFor(BUILTIN_CLOUDS.public, h.composed.broker.apps.settings)).toBe('04b07795-8ddb-461a-bbee-02f9e1bf7b46');
    expect(await h.cspViolations()).toEqual([]);
    expect(h.pageErrors.filter((e) => !/Content Security Policy/.test(e))).toEqual([]);
    expect(h.invalidEvents).toEqual([]);
  });
});
