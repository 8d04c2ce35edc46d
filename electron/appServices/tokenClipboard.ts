// A copied access token on the system clipboard, as a password manager keeps one: taken off again
// after a minute, or when pgEntra quits before that (composeServices' dispose), unless the person
// copied something else meanwhile (then their copy stays).
import type { MainClipboard, TokenClipboard } from '../ipc/services.js';

/** How long a copied token stays on the clipboard. */
export const CLIPBOARD_CLEAR_MS = 60_000;

export function createTokenClipboard(clipboard: MainClipboard, clearAfterMs: number = CLIPBOARD_CLEAR_MS): TokenClipboard {
  // Each copied token still to be cleared, with its timer: a quit must not leave one behind.
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  const clearIfStillThere = async (tokens: readonly string[]): Promise<void> => {
    const current = await clipboard.readText();
    if (tokens.includes(current)) await clipboard.writeText('');
  };

  return {
    clearsAfterMs: clearAfterMs,
    async copyToken(token) {
      await clipboard.writeText(token);
      const earlier = pending.get(token);
      if (earlier !== undefined) clearTimeout(earlier);
      const timer = setTimeout(() => {
        pending.delete(token);
        void clearIfStillThere([token]).catch(() => undefined);
      }, clearAfterMs);
      // The minute must not keep a quitting process alive: clearPending covers the quit.
      timer.unref?.();
      pending.set(token, timer);
    },
    async clearPending() {
      const tokens = [...pending.keys()];
      for (const t of pending.values()) clearTimeout(t);
      pending.clear();
      if (tokens.length === 0) return;
      // A clipboard that cannot be read while quitting must not stop the rest of the shutdown.
      await clearIfStillThere(tokens).catch(() => undefined);
    },
  };
}
