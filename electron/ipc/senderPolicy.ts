// Which frames may call the main process: only the app's own renderer, in a top-level frame.
// Pure, so it is unit-tested and reused by the Playwright harness with its own origin.

/** The custom protocol the renderer is served from (see electron/window.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'pgentra';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

export interface SenderInfo {
  /** URL of the frame that sent the message (Electron: event.senderFrame.url). */
  frameUrl: string;
  isMainFrame: boolean;
  windowId?: number;
}

export type SenderPolicy = (sender: SenderInfo) => boolean;

/**
 * Accepts main frames whose URL has exactly the given scheme and host. Compares parsed parts,
 * not strings: `new URL('app://x').origin` is "null" for non-special schemes, and prefix checks
 * fall for `app://pgentra.evil/` or `app://pgentra@evil/`.
 */
export function createSenderPolicy(allowed: { scheme: string; host: string; windowIds?: () => readonly number[] } = { scheme: APP_SCHEME, host: APP_HOST }): SenderPolicy {
  return (sender) => {
    if (!sender.isMainFrame) return false;
    let url: URL;
    try {
      url = new URL(sender.frameUrl);
    } catch {
      return false;
    }
    if (url.protocol !== `${allowed.scheme}:` || url.host !== allowed.host || url.username !== '' || url.password !== '') return false;
    if (allowed.windowIds && (sender.windowId === undefined || !allowed.windowIds().includes(sender.windowId))) return false;
    return true;
  };
}
