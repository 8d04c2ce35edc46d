// pim.*: PIM for Groups for a saved profile (its account, the group it logs in as). The renderer
// names a profile, never an account, a group or a Graph request.
import { PgEntraError } from '../../../shared/errors.js';
import type { Handlers } from '../router.js';
import type { PimAppService, Services } from '../services.js';

type PimHandlers = Pick<Handlers, 'pim.eligibility' | 'pim.activate' | 'pim.cancel'>;

export function pimHandlers(s: Pick<Services, 'pim' | 'profiles'>): PimHandlers {
  const pim = (): PimAppService => {
    if (!s.pim) throw new PgEntraError('internal', 'PIM is not available in this build of pgEntra.', { details: { capability: 'pim' } });
    return s.pim;
  };
  return {
    'pim.eligibility': async ({ profileId }) => (s.pim ? s.pim.eligibility(await s.profiles.get(profileId)) : null),
    'pim.activate': async (req) => pim().activate(await s.profiles.get(req.profileId), req),
    'pim.cancel': async ({ profileId }) => ({ cancelled: await pim().cancel(profileId) }),
  };
}
