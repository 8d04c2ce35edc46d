// The dialogs over the app: at most one of the app's own (one state value says which, with what
// it needs), and the sign-in dialog, which can open on top of it (the profile editor signs in).
import type { ReactNode } from 'react';
import type { Account } from '../../shared/contract.js';
import type { Profile } from '../../shared/profile.js';
import { SignInDialog, type SignInState } from '../features/accounts/SignInDialog.js';
import { EntraAdminDialog } from '../features/admin/EntraAdminDialog.js';
import { CopyTokenDialog } from '../features/interop/CopyTokenDialog.js';
import { PgAdminDialog } from '../features/interop/PgAdminDialog.js';
import { ProfileEditor, type ProfileSeed } from '../features/profiles/ProfileEditor.js';
import { SettingsDialog } from '../features/settings/SettingsDialog.js';
import { NewFolderDialog } from './NewFolderDialog.js';

export type DialogState =
  | { kind: 'editor'; profile: Profile | null; folder: string; seed?: ProfileSeed }
  | { kind: 'new-folder' }
  | { kind: 'copy-token'; profile: Profile }
  | { kind: 'pgadmin'; selection: string[] }
  | { kind: 'admin'; sessionId: string; serverName: string }
  | { kind: 'settings' }
  | null;

export interface DialogHostProps {
  dialog: DialogState;
  /** Closes the app's dialog (not the sign-in dialog). */
  onClose: () => void;
  profiles: Profile[];
  folders: string[];
  accounts: Account[];
  /** The editor's sign-in (interactive, for the profile's cloud and tenant). */
  onSignIn: (cloud: Profile['cloud'], tenant?: string) => Promise<Account | null>;
  onProfileSaved: (p: Profile) => void;
  onFolderCreated: (name: string) => void;
  onProfilesImported: () => void;
  onSettingsSaved: (text: string) => void;
  signIn: SignInState | null;
  onCancelSignIn: () => void;
  onCloseSignIn: () => void;
  /** The running browser sign-in again with a device code. */
  onUseDeviceCode: () => void;
}

export function DialogHost(props: DialogHostProps): ReactNode {
  const { dialog, onClose } = props;
  return (
    <>
      {dialog?.kind === 'editor' ? (
        <ProfileEditor
          profile={dialog.profile}
          folder={dialog.folder}
          folders={props.folders}
          accounts={props.accounts}
          seed={dialog.seed ?? {}}
          onSignIn={props.onSignIn}
          onSaved={props.onProfileSaved}
          onClose={onClose}
        />
      ) : null}
      {dialog?.kind === 'new-folder' ? <NewFolderDialog onCreate={props.onFolderCreated} onClose={onClose} /> : null}
      {dialog?.kind === 'copy-token' ? <CopyTokenDialog profile={dialog.profile} onClose={onClose} /> : null}
      {dialog?.kind === 'pgadmin' ? <PgAdminDialog profiles={props.profiles} initialSelection={dialog.selection} onClose={onClose} onImported={props.onProfilesImported} /> : null}
      {dialog?.kind === 'admin' ? <EntraAdminDialog sessionId={dialog.sessionId} serverName={dialog.serverName} onClose={onClose} /> : null}
      {dialog?.kind === 'settings' ? <SettingsDialog onClose={onClose} onSaved={props.onSettingsSaved} /> : null}
      {props.signIn ? <SignInDialog state={props.signIn} onCancel={props.onCancelSignIn} onClose={props.onCloseSignIn} onUseDeviceCode={props.onUseDeviceCode} /> : null}
    </>
  );
}
