// The main process's own confirmation before a settings change that decides who gets the person's
// sign-in or what pgEntra trusts: a client id of another app registration (it receives the consent
// and the refresh tokens, for the app and the CLI alike) and trusting the OS certificate store.
// A compromised renderer can ask for such a change, but only the person can confirm it here.
import type { SettingsChange } from '../ipc/services.js';
import type { MessageBoxOptions, ShowMessageBox } from './tokenCopyConfirmation.js';

const CONFIRM = 1;

export function settingsChangeDialogOptions(change: SettingsChange): MessageBoxOptions {
  const lines: string[] = [];
  for (const c of change.clientIds) {
    lines.push(`${c.cloud}: sign in through the app registration ${c.to} (instead of ${c.from ?? 'the Azure CLI’s public client'}).`);
  }
  if (change.trustOsCertificates) lines.push('Trust every root certificate in the operating system’s store for sign-in, Azure and database connections.');
  return {
    type: 'warning',
    title: 'Change pgEntra settings',
    message: change.clientIds.length ? 'Sign in through another app registration?' : 'Trust the operating system’s certificate store?',
    detail: [
      ...lines,
      '',
      change.clientIds.length
        ? 'That app receives your consent and the tokens pgEntra gets for you, in the app and the pgentra command. Use only an id your IT department gave you. You will need to sign in again.'
        : 'A root certificate someone installed there can then vouch for the servers pgEntra sends your tokens to.',
    ].join('\n'),
    buttons: ['Cancel', 'Change settings'],
    defaultId: 0,
    cancelId: 0,
    noLink: true,
  };
}

export function createSettingsConfirmation(show: ShowMessageBox): (change: SettingsChange) => Promise<boolean> {
  return async (change) => (await show(settingsChangeDialogOptions(change))).response === CONFIRM;
}
