// profiles.*: thin calls into the profile store, plus the rule that a confirmation only covers
// the host and TLS mode the person saw when they gave it.
import { isPgEntraError } from '../../../shared/errors.js';
import { cloudRef, type Profile, type ProfileConfirmations } from '../../../shared/profile.js';
import type { Handlers } from '../router.js';
import type { ProfileInputParsed, Services } from '../services.js';

type ProfileHandlers = Pick<Handlers, 'profiles.list' | 'profiles.save' | 'profiles.delete' | 'profiles.restore' | 'profiles.duplicate' | 'profiles.move' | 'profiles.validate'>;

type ConfirmationKind = keyof ProfileConfirmations;

/** What a confirmation was given for: the host and cloud (non-Azure host) or the sslmode (weaker TLS). */
function subjectOf(kind: ConfirmationKind, p: Pick<Profile, 'host' | 'cloud' | 'sslmode'>): string {
  return kind === 'nonAzureHost' ? `${p.host.trim().toLowerCase()}\n${cloudRef(p.cloud)}` : p.sslmode;
}

/**
 * Over IPC every save carries `confirmations` (the contract defaults it to {}), so the store's own
 * "a host change drops the confirmation" rule never runs for desktop edits. The rule here:
 *
 * - A confirmation the stored profile did not have is new: the person ticked it in this edit, next
 *   to the host/mode they are saving — kept.
 * - A confirmation the stored profile already had, sent back with a changed host or cloud
 *   (non-Azure host) or sslmode (weaker TLS), is carried over from the old values — dropped.
 * - If dropping it makes the save fail with confirmation_required, the refusal names the new host
 *   or mode. Saving the same host/cloud/mode again right after that refusal is the person's
 *   re-confirmation of what the refusal showed them — kept. (Without this the editor, which keeps
 *   the box ticked, could never move a confirmed profile to another non-Azure host.)
 */
export function profileHandlers(s: Pick<Services, 'profiles'>): ProfileHandlers {
  const p = s.profiles;
  // Profile id → kind → the subject a save was refused for (main process memory only).
  const refused = new Map<string, Partial<Record<ConfirmationKind, string>>>();

  const save = async (id: string, input: ProfileInputParsed): Promise<Profile> => {
    const existing = await p.get(id);
    const confirmations: ProfileConfirmations = { ...input.confirmations };
    const dropped: Partial<Record<ConfirmationKind, string>> = {};
    for (const kind of ['nonAzureHost', 'weakerTls'] as const) {
      const subject = subjectOf(kind, input);
      const carriedOver = confirmations[kind] === true && existing.confirmations[kind] === true && subject !== subjectOf(kind, existing);
      if (carriedOver && refused.get(id)?.[kind] !== subject) {
        delete confirmations[kind];
        dropped[kind] = subject;
      }
    }
    try {
      const saved = await p.update(id, { ...input, confirmations });
      refused.delete(id);
      return saved;
    } catch (e) {
      if (isPgEntraError(e) && e.code === 'confirmation_required' && Object.keys(dropped).length > 0) refused.set(id, dropped);
      else refused.delete(id);
      throw e;
    }
  };

  return {
    'profiles.list': async () => ({ profiles: await p.list() }),
    'profiles.save': async ({ id, profile }) => ({ profile: id ? await save(id, profile) : await p.create(profile) }),
    'profiles.delete': async ({ id }) => ({ profile: await p.remove(id) }),
    'profiles.restore': async ({ profile }) => ({ profile: await p.restore(profile) }),
    'profiles.duplicate': async ({ id }) => ({ profile: await p.duplicate(id) }),
    'profiles.move': async ({ id, folder }) => ({ profile: await p.move(id, folder) }),
    'profiles.validate': async ({ profile }) => p.validate(profile),
  };
}
