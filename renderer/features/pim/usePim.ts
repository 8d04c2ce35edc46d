// PIM activations the app runs ("Activate and connect"), per profile: their progress as the main
// process reports it, and when each active membership ends (the status bar warns before it does).
// State lives here, above the tabs, so switching tabs never loses a wait for an approver.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { CallInputRaw, EventPayload } from '../../../shared/contract.js';
import type { ErrorPayload } from '../../../shared/errors.js';
import { call, errorPayloadOf, hasBridge, on } from '../../base/api.js';
import { CurrentCalls, keptEnds, nextEndIn, type LiveProfiles } from './pimState.js';

export type PimProgress = Omit<EventPayload<'pim.progress'>, 'profileId'> & { error?: ErrorPayload };

export interface Pim {
  progress: ReadonlyMap<string, PimProgress>;
  /** When each profile's activated membership ends (ISO), as far as this app knows. */
  ends: ReadonlyMap<string, string>;
  /** Runs the activation and the wait for the server; resolves true once the group login works. */
  activate(req: CallInputRaw<'pim.activate'>): Promise<boolean>;
  cancel(profileId: string): void;
  dismiss(profileId: string): void;
}

/** Ends are kept per the profiles that exist and the tabs open (pimState.ts keptEnds). */
export function usePim(live: LiveProfiles): Pim {
  const [progress, setProgress] = useState<ReadonlyMap<string, PimProgress>>(new Map());
  const [ends, setEnds] = useState<ReadonlyMap<string, string>>(new Map());
  const calls = useRef(new CurrentCalls());
  const put = useCallback((profileId: string, p: PimProgress) => setProgress((m) => new Map(m).set(profileId, p)), []);

  // Deleted profiles, and ended memberships no tab shows: dropped now, and again when the next one ends.
  useEffect(() => {
    const prune = (): void => setEnds((m) => keptEnds(m, live, Date.now()));
    prune();
    const wait = nextEndIn(ends, Date.now());
    if (wait === null) return;
    // setTimeout's limit is ~24.8 days; a longer wait just prunes (nothing) and waits again.
    const timer = setTimeout(prune, Math.min(wait + 1, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [live, ends]);
  useEffect(() => {
    setProgress((m) => ([...m.keys()].every((id) => live.profileIds.has(id)) ? m : new Map([...m].filter(([id]) => live.profileIds.has(id)))));
  }, [live]);

  useEffect(() => {
    if (!hasBridge()) return;
    return on('pim.progress', ({ profileId, ...p }) => {
      put(profileId, p);
      if (p.endDateTime) setEnds((m) => new Map(m).set(profileId, p.endDateTime as string));
    });
  }, [put]);

  const activate = useCallback(async (req: CallInputRaw<'pim.activate'>): Promise<boolean> => {
    // A newer activation of the profile replaced this one: its answer (the 'cancelled' of being
    // replaced) must not overwrite the newer one's progress, nor connect the tab.
    const isCurrent = calls.current.start(req.profileId);
    try {
      const r = await call('pim.activate', req);
      if (!isCurrent()) return false;
      if (r.endDateTime) setEnds((m) => new Map(m).set(req.profileId, r.endDateTime as string));
      return true;
    } catch (e) {
      if (!isCurrent()) return false;
      const error = errorPayloadOf(e);
      setProgress((m) => {
        const prev = m.get(req.profileId);
        return new Map(m).set(req.profileId, { group: prev?.group ?? '', stage: error.code === 'sign_in_cancelled' ? 'cancelled' : 'failed', error, endDateTime: prev?.endDateTime ?? null });
      });
      return false;
    }
  }, []);

  const cancel = useCallback((profileId: string) => {
    void call('pim.cancel', { profileId }).catch(() => undefined);
  }, []);
  const dismiss = useCallback((profileId: string) => {
    setProgress((m) => {
      const next = new Map(m);
      next.delete(profileId);
      return next;
    });
  }, []);

  return { progress, ends, activate, cancel, dismiss };
}
