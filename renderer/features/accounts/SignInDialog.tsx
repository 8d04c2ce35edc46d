// Sign-in in progress: what is happening (browser opened, waiting, exchanging the code), the
// device code big and copyable with its URL, and Cancel (accounts.cancelSignIn).
import type { ReactNode } from 'react';
import type { EventPayload } from '../../../shared/contract.js';
import { copyText } from '../../ui/clipboard.js';
import { Dialog } from '../../ui/Dialog.js';

export type SignInStage = EventPayload<'signIn.progress'>['stage'];

export interface SignInState {
  mode: 'interactive' | 'device-code';
  stage: SignInStage | 'starting';
  deviceCode?: EventPayload<'signIn.deviceCode'>;
  error?: string;
}

const STAGE_TEXT: Record<SignInState['stage'], string> = {
  starting: 'Starting sign-in…',
  'opening-browser': 'Opening your browser…',
  'waiting-for-browser': 'Finish signing in in your browser. Pick your secondary (admin) account.',
  'waiting-for-device-code': 'Enter the code below on the sign-in page, on any device.',
  'exchanging-code': 'Completing sign-in…',
  done: 'Signed in.',
  cancelled: 'Sign-in was cancelled.',
  failed: 'Sign-in failed.',
};

export function SignInDialog({ state, onCancel, onClose }: { state: SignInState; onCancel: () => void; onClose: () => void }): ReactNode {
  const finished = state.stage === 'done' || state.stage === 'cancelled' || state.stage === 'failed' || state.error !== undefined;
  return (
    <Dialog
      title={state.mode === 'device-code' ? 'Sign in with a device code' : 'Sign in'}
      onClose={finished ? onClose : onCancel}
      name="sign-in"
      footer={
        finished ? (
          <button type="button" onClick={onClose}>
            Close
          </button>
        ) : (
          <button type="button" onClick={onCancel}>
            Cancel sign-in
          </button>
        )
      }
    >
      <div className="row" role="status" aria-live="polite">
        {finished ? null : <span className="spinner" aria-hidden="true" />}
        <span>{STAGE_TEXT[state.stage]}</span>
      </div>
      {state.deviceCode ? (
        <div className="stack tight">
          <div className="device-code" aria-label={`Device code ${state.deviceCode.userCode.split('').join(' ')}`} data-testid="device-code">
            {state.deviceCode.userCode}
          </div>
          <div className="row">
            <button type="button" onClick={() => void copyText(state.deviceCode?.userCode ?? '')}>
              Copy code
            </button>
            <span className="muted">
              at <code>{state.deviceCode.verificationUri}</code>
            </span>
            <button type="button" className="small" onClick={() => void copyText(state.deviceCode?.verificationUri ?? '')}>
              Copy URL
            </button>
          </div>
        </div>
      ) : null}
      {state.error ? (
        <div className="alert error" role="alert">
          {state.error}
        </div>
      ) : null}
    </Dialog>
  );
}
