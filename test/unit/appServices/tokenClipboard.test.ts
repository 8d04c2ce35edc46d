// A copied token leaves the clipboard after a minute — and when the app quits before that
// (composeServices' dispose, which Electron's before-quit awaits), unless something else was copied.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenClipboard } from '../../../electron/appServices/tokenClipboard.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { composeServices } from '../../../electron/services.js';

/** The main process's clipboard stand-in: what was written, in order. */
function fakeClipboard(): { writes: string[]; writeText(t: string): void; readText(): string } {
  const writes: string[] = [];
  return { writes, writeText: (t) => void writes.push(t), readText: () => writes.at(-1) ?? '' };
}

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function composed(clipboard: ReturnType<typeof fakeClipboard>): ReturnType<typeof composeServices> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-clip-'));
  homes.push(home);
  return composeServices({
    dataDir: home,
    logger: silentLogger,
    openSignInPage: async () => false,
    appInfo: () => ({ name: 'pgEntra', version: 'test', electron: null, chrome: null, node: process.versions.node, platform: process.platform, dataDir: home }),
    events: () => undefined,
    clipboard,
  });
}

describe('the copied token on quit', () => {
  it("the composed services' dispose takes a token copied seconds ago off the clipboard", async () => {
    const clip = fakeClipboard();
    const app = composed(clip);
    await app.services.clipboard?.copyToken('eyJ.copied.token');
    expect(clip.writes).toEqual(['eyJ.copied.token']);
    await app.dispose();
    expect(clip.writes).toEqual(['eyJ.copied.token', '']);
  });

  it('what the person copied after the token stays on the clipboard when the app quits', async () => {
    const clip = fakeClipboard();
    const app = composed(clip);
    await app.services.clipboard?.copyToken('eyJ.copied.token');
    clip.writeText('select 1');
    await app.dispose();
    expect(clip.writes).toEqual(['eyJ.copied.token', 'select 1']);
  });

  it('two copies, then a quit: the last one is cleared once, and no timer fires afterwards', async () => {
    vi.useFakeTimers();
    try {
      const clip = fakeClipboard();
      const tc = createTokenClipboard(clip, 60_000);
      await tc.copyToken('eyJ.first');
      await vi.advanceTimersByTimeAsync(30_000);
      await tc.copyToken('eyJ.second');
      await tc.clearPending();
      expect(clip.writes).toEqual(['eyJ.first', 'eyJ.second', '']);
      clip.writeText('later copy');
      await vi.advanceTimersByTimeAsync(120_000);
      expect(clip.writes.at(-1)).toBe('later copy');
      // Nothing pending: a second dispose leaves the clipboard alone.
      await tc.clearPending();
      expect(clip.writes.at(-1)).toBe('later copy');
    } finally {
      vi.useRealTimers();
    }
  });

  it('a clipboard that cannot be read while quitting does not fail the shutdown', async () => {
    const tc = createTokenClipboard({
      writeText: () => undefined,
      readText: () => {
        throw new Error('clipboard gone');
      },
    });
    await tc.copyToken('eyJ.token');
    await expect(tc.clearPending()).resolves.toBeUndefined();
  });
});
