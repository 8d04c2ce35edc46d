// PIM in a refused group login's diagnostics: when the account is eligible for the group (asked
// silently), "Activate and connect…"; while an activation runs, how far it got (requesting →
// waiting for an approver → active → waiting for the server → connected) with Cancel; when it
// failed, why. Nothing here blocks the rest of the app.
import { useEffect, useState, type ReactNode } from 'react';
import type { CallOutput } from '../../../shared/contract.js';
import type { Profile } from '../../../shared/profile.js';
import { call } from '../../base/api.js';
import type { PimProgress } from './usePim.js';

const STAGE_TEXT: Record<PimProgress['stage'], string> = {
  requesting: 'Asking PIM to activate the membership…',
  'pending-approval': 'Waiting for an approver. You can keep working; pgEntra connects once it is approved.',
  active: 'Activated. Checking that the server sees it…',
  'waiting-for-server': 'Active in PIM; waiting for it to reach the server…',
  connected: 'Connected.',
  failed: 'The activation did not complete.',
  cancelled: 'Cancelled.',
};

export function PimOffer({
  profile,
  attemptId,
  progress,
  onActivate,
  onCancel,
}: {
  profile: Profile;
  attemptId: string | undefined;
  progress: PimProgress | undefined;
  onActivate: () => void;
  onCancel: () => void;
}): ReactNode {
  const [eligibility, setEligibility] = useState<CallOutput<'pim.eligibility'> | 'asking'>('asking');
  useEffect(() => {
    let stale = false;
    setEligibility('asking');
    call('pim.eligibility', { profileId: profile.id })
      .then((e) => !stale && setEligibility(e))
      .catch(() => !stale && setEligibility(null));
    return () => {
      stale = true;
    };
  }, [profile.id, attemptId]);

  const running = progress && !['connected', 'failed', 'cancelled'].includes(progress.stage);
  if (progress && (running || progress.stage === 'failed')) {
    return (
      <div className={`alert ${progress.stage === 'failed' ? 'error' : 'info'} stack tight`} role="status" data-testid="pim-progress" data-stage={progress.stage}>
        <strong className="row">
          {running ? <span className="spinner" aria-hidden="true" /> : null}
          {STAGE_TEXT[progress.stage]}
          {progress.stage === 'waiting-for-server' && progress.attempt ? ` (the server refused ${progress.attempt}×)` : ''}
        </strong>
        {progress.endDateTime ? <span>Active until {new Date(progress.endDateTime).toLocaleTimeString()}.</span> : null}
        {progress.error ? (
          <span>
            {progress.error.message}
            {progress.error.hint ? ` ${progress.error.hint}` : ''}
          </span>
        ) : null}
        <span className="row">
          {running ? (
            <button type="button" className="small" onClick={onCancel}>
              Stop waiting
            </button>
          ) : (
            <button type="button" className="small primary" onClick={onActivate}>
              Try again…
            </button>
          )}
        </span>
      </div>
    );
  }
  if (eligibility === 'asking' || eligibility === null || !eligibility.eligible) {
    return eligibility !== 'asking' && eligibility?.active ? (
      <p className="note" data-testid="pim-active">
        Your {eligibility.group} membership is active in PIM{eligibility.endDateTime ? ` until ${new Date(eligibility.endDateTime).toLocaleTimeString()}` : ''}. If it was activated a moment ago, the
        server may not see it yet: retry with a fresh token in a minute.
      </p>
    ) : null;
  }
  return (
    <div className="alert info stack tight" data-testid="pim-offer">
      <strong>You are eligible for {eligibility.group} in Privileged Identity Management, but the membership is not active.</strong>
      <span>Activate it (with a reason) and pgEntra connects once the server sees it.</span>
      <span>
        <button type="button" className="primary" onClick={onActivate}>
          Activate and connect…
        </button>
      </span>
    </div>
  );
}
