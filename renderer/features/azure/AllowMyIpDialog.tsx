// "Allow my IP": the confirmation before pgEntra changes a server's firewall. It shows the server,
// the rule name and the address range first; Cancel is the default. Adding the rule is a
// long-running ARM operation, so the dialog stays open with its progress until Azure finishes.
// Azure requires MFA to change resources: when the sign-in has none, the main process opens the
// browser for it (a step-up) — the dialog says why and can cancel that sign-in, or, when the
// browser does not come back, do it with a device code and then add the rule.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { CallOutput, EventPayload } from '../../../shared/contract.js';
import type { Profile } from '../../../shared/profile.js';
import { call, errorPayloadOf, on } from '../../base/api.js';
import { Dialog } from '../../ui/Dialog.js';
import { ErrorAlert } from '../../ui/Alert.js';

export interface AllowMyIpDialogProps {
  profile: Profile;
  /** The server's name as ARM knows it (the profile's host when unknown). */
  serverName: string;
  fix: { ip: string; ruleName: string };
  onAdded: (rule: CallOutput<'azure.allowMyIp'>) => void;
  onClose: () => void;
}

export function AllowMyIpDialog({ profile, serverName, fix, onAdded, onClose }: AllowMyIpDialogProps): ReactNode {
  const [adding, setAdding] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** The step-up's progress while adding: why the browser opened, whether it is still waiting, a device code. */
  const [stepUp, setStepUp] = useState<{ reason?: string; waiting: boolean; slow?: string; deviceCode?: EventPayload<'signIn.deviceCode'> } | null>(null);
  /** The browser step-up was given up for a device code: its cancelled call is not this dialog's error. */
  const switched = useRef(false);
  useEffect(() => {
    if (!adding) return;
    const offs = [
      on('signIn.progress', (e) =>
        setStepUp((s) => {
          const waiting = e.stage === 'opening-browser' || e.stage === 'waiting-for-browser' || e.stage === 'slow' || e.stage === 'exchanging-code' || e.stage === 'waiting-for-device-code';
          if (e.stage === 'slow') return { ...(s ?? {}), waiting, slow: e.message ?? '' };
          return { ...(s ?? {}), ...(e.message ? { reason: e.message } : {}), waiting };
        }),
      ),
      on('signIn.deviceCode', (e) => setStepUp((s) => ({ ...(s ?? {}), waiting: true, deviceCode: e }))),
    ];
    return () => offs.forEach((off) => off());
  }, [adding]);
  const cancelRef = useRef<HTMLButtonElement>(null);
  // Cancel is the default: focused once the modal has opened (showModal runs after this mounts).
  useEffect(() => {
    const t = setTimeout(() => cancelRef.current?.focus(), 0);
    return () => clearTimeout(t);
  }, []);

  const allow = (): Promise<CallOutput<'azure.allowMyIp'>> => call('azure.allowMyIp', { profileId: profile.id, ip: fix.ip, ruleName: fix.ruleName });
  const fail = (e: unknown): void => {
    const p = errorPayloadOf(e);
    setError(`${p.message}${p.hint ? ` ${p.hint}` : ''}`);
    setAdding(false);
  };
  const add = async (): Promise<void> => {
    setAdding(true);
    setError(null);
    setStepUp(null);
    switched.current = false;
    try {
      onAdded(await allow());
    } catch (e) {
      if (!switched.current) fail(e);
    }
  };
  /** The same step-up with a device code (the main process still holds Azure's claims for it), then the rule. */
  const switchToDeviceCode = async (): Promise<void> => {
    switched.current = true;
    setStepUp((s) => ({ ...(s ?? {}), waiting: true, slow: undefined }));
    const account = 'account' in profile.credential ? profile.credential.account : undefined;
    try {
      await call('accounts.signInDeviceCode', { cloud: profile.cloud, ...(account ? { loginHint: account } : {}), resource: 'management' });
      onAdded(await allow());
    } catch (e) {
      fail(e);
    }
  };

  return (
    <Dialog
      title="Allow my IP address?"
      name="allow-my-ip"
      onClose={() => {
        if (!adding) onClose();
      }}
      footer={
        <>
          <button type="button" ref={cancelRef} onClick={onClose} disabled={adding}>
            Cancel
          </button>
          <button type="button" className="primary" onClick={() => void add()} disabled={adding}>
            Add rule
          </button>
        </>
      }
    >
      <p>
        pgEntra will add a firewall rule to the server in Azure so that connections from this address are let through. Anyone connecting from this address can then reach the server’s login (they still
        need to sign in).
      </p>
      <dl className="facts">
        <dt>Server</dt>
        <dd>{serverName}</dd>
        <dt>Rule name</dt>
        <dd>{fix.ruleName}</dd>
        <dt>IP range</dt>
        <dd>
          {fix.ip} – {fix.ip}
        </dd>
      </dl>
      <p className="muted">The address is the one the server reported when it refused the connection. Remove the rule in the Azure portal when you no longer need it.</p>
      {stepUp?.reason ? (
        <div className="alert info stack tight" data-testid="step-up">
          <strong>{stepUp.reason}</strong>
          {stepUp.waiting ? (
            <>
              {stepUp.deviceCode ? (
                <span>
                  Enter the code <code data-testid="step-up-device-code">{stepUp.deviceCode.userCode}</code> at <code>{stepUp.deviceCode.verificationUri}</code> on any device; pgEntra then adds the
                  rule.
                </span>
              ) : (
                <span>Complete the sign-in in your browser; pgEntra then adds the rule.</span>
              )}
              {stepUp.slow ? <span>{stepUp.slow}</span> : null}
              <span className="row">
                {stepUp.slow && !stepUp.deviceCode ? (
                  <button type="button" className="small" onClick={() => void switchToDeviceCode()}>
                    Use a device code instead
                  </button>
                ) : null}
                <button type="button" className="small" onClick={() => void call('accounts.cancelSignIn', {}).catch(() => undefined)}>
                  Cancel sign-in
                </button>
              </span>
            </>
          ) : null}
        </div>
      ) : null}
      {adding && !stepUp?.waiting ? (
        <p className="row" role="status">
          <span className="spinner" aria-hidden="true" /> Adding the firewall rule (this can take a minute)…
        </p>
      ) : null}
      {error ? <ErrorAlert>{error}</ErrorAlert> : null}
    </Dialog>
  );
}
