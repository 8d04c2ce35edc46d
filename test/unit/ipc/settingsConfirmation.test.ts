// Settings that decide who gets the person's sign-in (a client id) or widen what is trusted (the
// OS store, off → on) need the main process's own confirmation; narrowing changes do not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSettingsService, riskyChange } from '../../../electron/appServices/settingsService.js';
import { readSettings } from '../../../electron/settings/settingsStore.js';
import { settingsChangeDialogOptions } from '../../../electron/shell/settingsConfirmation.js';
import { configureTrust } from '../../../electron/base/trustedRoots.js';
import { DEFAULT_SETTINGS, type Settings } from '../../../shared/settings.js';

const ORG = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac';
const withIds = (ids: Settings['clientIds'], trust = true): Settings => ({ ...DEFAULT_SETTINGS, trustOsCertificates: trust, clientIds: ids });
const dirs: string[] = [];

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  configureTrust({ osCertificates: true });
});

describe('settings changes the main process confirms', () => {
  it('a new or replaced client id, and the OS store turned on, are risky; unsetting and turning off are not', () => {
    expect(riskyChange(DEFAULT_SETTINGS, withIds({ public: ORG }))).toEqual({ clientIds: [{ cloud: 'public', to: ORG }], trustOsCertificates: false });
    expect(riskyChange(withIds({ public: ORG }), withIds({}))).toBeUndefined();
    expect(riskyChange(withIds({ public: ORG }), withIds({ public: ORG.toUpperCase() }))).toBeUndefined();
    expect(riskyChange(withIds({}, false), withIds({}, true))).toEqual({ clientIds: [], trustOsCertificates: true });
    expect(riskyChange(withIds({}, true), withIds({}, false))).toBeUndefined();
  });

  it('the dialog names the app registration and defaults to Cancel', () => {
    const o = settingsChangeDialogOptions({ clientIds: [{ cloud: 'public', to: ORG }], trustOsCertificates: false });
    expect(o.detail).toContain(`public: sign in through the app registration ${ORG}`);
    expect(o.buttons[o.defaultId]).toBe('Cancel');
    expect(o.cancelId).toBe(o.defaultId);
  });

  it('unconfirmed (or no way to confirm): nothing is written; confirmed: written and in effect', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-settings-'));
    dirs.push(dir);
    await expect(createSettingsService(dir).set(withIds({ public: ORG }))).rejects.toMatchObject({ code: 'confirmation_required' });
    await expect(createSettingsService(dir, async () => false).set(withIds({ public: ORG }))).rejects.toMatchObject({ code: 'confirmation_required' });
    expect(readSettings(dir).clientIds).toEqual({});
    const asked: unknown[] = [];
    const s = createSettingsService(dir, async (c) => {
      asked.push(c);
      return true;
    });
    await s.set(withIds({ public: ORG }, false));
    expect(asked).toHaveLength(1);
    expect(readSettings(dir)).toMatchObject({ clientIds: { public: ORG }, trustOsCertificates: false });
    expect(s.current().clientIds.public).toBe(ORG);
    // Narrowing needs nothing.
    await createSettingsService(dir).set(withIds({}, false));
    expect(readSettings(dir).clientIds).toEqual({});
  });
});
