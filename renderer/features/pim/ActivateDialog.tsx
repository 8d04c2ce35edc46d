// "Activate and connect": what PIM asks for before it activates the group membership — a reason,
// a duration (within the group's maximum: PIM says when it is too long), a ticket when the policy
// wants one — remembered in the profile when asked to. Submitting starts the activation; its
// progress shows in the connection panel, so the rest of the app stays usable while it waits.
import { useId, useState, type ReactNode } from 'react';
import type { CallInputRaw } from '../../../shared/contract.js';
import type { Profile } from '../../../shared/profile.js';
import { Dialog } from '../../ui/Dialog.js';

const DURATIONS = ['30m', '1h', '2h', '4h', '8h'];

export function ActivateDialog({ profile, onActivate, onClose }: { profile: Profile; onActivate: (req: CallInputRaw<'pim.activate'>) => void; onClose: () => void }): ReactNode {
  const saved = profile.pim;
  const id = useId();
  const [reason, setReason] = useState(saved?.reason ?? '');
  const [duration, setDuration] = useState(saved?.duration ?? '1h');
  const [ticketSystem, setTicketSystem] = useState(saved?.ticketSystem ?? '');
  const [ticketNumber, setTicketNumber] = useState('');
  const [remember, setRemember] = useState(saved !== undefined);
  const ticket = ticketSystem.trim() && ticketNumber.trim() ? { system: ticketSystem.trim(), number: ticketNumber.trim() } : undefined;
  const durations = DURATIONS.includes(duration) ? DURATIONS : [duration, ...DURATIONS];

  return (
    <Dialog
      title={`Activate ${profile.username} and connect`}
      name="pim-activate"
      onClose={onClose}
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="pim-activate-form" className="primary">
            Activate and connect
          </button>
        </>
      }
    >
      <form
        id="pim-activate-form"
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          onActivate({ profileId: profile.id, duration, ...(reason.trim() ? { reason: reason.trim() } : {}), ...(ticket ? { ticket } : {}), remember });
        }}
      >
        <p className="muted">
          Your membership of <strong>{profile.username}</strong> is eligible in Privileged Identity Management. pgEntra asks PIM to activate it for {profile.name}, waits until the server accepts the
          group login (an activation takes seconds to minutes to reach it) and connects with a token fetched then.
        </p>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-reason`}>
            Reason
          </label>
          <textarea id={`${id}-reason`} value={reason} maxLength={500} rows={2} onChange={(e) => setReason(e.target.value)} placeholder="What you are about to do, e.g. change 42" />
        </div>
        <div className="field">
          <label className="field-label" htmlFor={`${id}-duration`}>
            Duration
          </label>
          <select id={`${id}-duration`} value={duration} onChange={(e) => setDuration(e.target.value)}>
            {durations.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="stack tight">
          <legend>Ticket (when the group’s policy asks for one)</legend>
          <label className="field">
            <span className="field-label">Ticket system</span>
            <input type="text" value={ticketSystem} maxLength={100} onChange={(e) => setTicketSystem(e.target.value)} />
          </label>
          <label className="field">
            <span className="field-label">Ticket number</span>
            <input type="text" value={ticketNumber} maxLength={100} onChange={(e) => setTicketNumber(e.target.value)} />
          </label>
        </fieldset>
        <label className="row">
          <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          <span>Remember the reason, duration and ticket system for this profile</span>
        </label>
      </form>
    </Dialog>
  );
}
