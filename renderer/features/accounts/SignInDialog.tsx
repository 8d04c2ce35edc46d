// Sign-in in progress: why it is asked for (a step-up says so), what is happening (browser opened,
// waiting, exchanging the code), what may be wrong when the browser does not come back — with the
// way out, a device code — the device code big and copyable with its URL, and Cancel.
import type { ReactNode } from 'react';
import type { CallInputRaw, EventPayload } from '../../../shared/contract.js';
import { copyText } from '../../ui/clipboard.js';
import { Dialog } from '../../ui/Dialog.js';

export type SignInStage = EventPayload<'signIn.progress'>['stage'];

export interface SignInState {
  mode: 'interactive' | 'device-code';
  stage: SignInStage | 'starting';
  /** What was asked (to ask again with a device code). */
  request?: CallInputRaw<'accounts.signIn'>;
  /** Why this sign-in is needed, when the main process said (a step-up). */
  reason?: string;
  /** The main process's hint once the browser has been silent for minutes. */
  slowHint?: string;
  deviceCode?: EventPayload<'signIn.deviceCode'>;
  error?: string;
}

const STAGE_TEXT: Record<SignInState['stage'], string> = {
  starting: 'Starting sign-in…',
  'opening-browser': 'Opening your browser…',
  'waiting-for-browser': 'Finish signing in in your browser. Pick your secondary (admin) account.',
  slow: 'Still waiting for your browser.',
  'waiting-for-device-code': 'Enter the code below on the sign-in page, on any device.',
  'exchanging-code': 'Completing sign-in…',
  done: 'Signed in.',
  cancelled: 'Sign-in was cancelled.',
  failed: 'Sign-in failed.',
};

export function SignInDialog({ state, onCancel, onClose, onUseDeviceCode }: { state: SignInState; onCancel: () => void; onClose: () => void; onUseDeviceCode?: () => void }): ReactNode {
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
      {state.reason ? <p data-testid="sign-in-reason">{state.reason}</p> : null}
      <div className="row" role="status" aria-live="polite">
        {finished ? null : <span className="spinner" aria-hidden="true" />}
        <span>{STAGE_TEXT[state.stage]}</span>
      </div>
      {state.slowHint && !finished ? (
        <div className="alert warning stack tight" role="alert" data-testid="sign-in-slow">
          <span>{state.slowHint}</span>
          {state.mode === 'interactive' && onUseDeviceCode ? (
            <span>
              <button type="button" className="small" onClick={onUseDeviceCode}>
                Use a device code instead
              </button>
            </span>
          ) : null}
        </div>
      ) : null}
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
