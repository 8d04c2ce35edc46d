// The main process's own confirmation before a token is copied: a native message box naming the
// account, the audience and the expiry, with Cancel as the default (Enter and Esc both cancel).
// The renderer's dialog comes first, but only this one lets tokens.copy hand the token out.
import type { TokenCopyRequest } from '../ipc/services.js';

export interface MessageBoxOptions {
  type: 'warning';
  title: string;
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
  noLink: boolean;
}

export type ShowMessageBox = (options: MessageBoxOptions) => Promise<{ response: number }>;

const COPY = 1;

export function tokenCopyDialogOptions(req: TokenCopyRequest): MessageBoxOptions {
  const expires = new Date(req.expiresOn);
  const expiry = Number.isNaN(expires.getTime()) ? req.expiresOn : expires.toLocaleString();
  return {
    type: 'warning',
    title: 'Copy access token',
    message: `Copy the access token of ${req.account ?? 'an unknown account'} to the clipboard?`,
    detail: [
      `Profile: ${req.profileName}`,
      `Account: ${req.account ?? 'unknown'}`,
      `Audience: ${req.audience ?? 'unknown'}`,
      `Expires: ${expiry}`,
      '',
      'Anyone who gets this token can sign in as this account to every Azure Database for PostgreSQL server it can reach until it expires. pgEntra clears the clipboard after 60 seconds.',
    ].join('\n'),
    buttons: ['Cancel', 'Copy token'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
}

export function createTokenCopyConfirmation(show: ShowMessageBox): (req: TokenCopyRequest) => Promise<boolean> {
  return async (req) => (await show(tokenCopyDialogOptions(req))).response === COPY;
}
