// The only place pgEntra calls shell.openExternal: guarded by isAllowedExternalUrl.
import { shell } from 'electron';
import { isAllowedExternalUrl } from '../base/externalUrl.js';

/** Opens `url` in the system browser when it is https on an allowed authority; returns whether it did. */
export async function safeOpenExternal(url: string, allowedAuthorities: readonly string[]): Promise<boolean> {
  if (!isAllowedExternalUrl(url, allowedAuthorities)) {
    console.warn(`pgEntra refused to open a URL outside the sign-in authorities (${allowedAuthorities.join(', ')}).`);
    return false;
  }
  await shell.openExternal(url, { activate: true });
  return true;
}
