// profiles.*: thin calls into the profile store.
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type ProfileHandlers = Pick<Handlers, 'profiles.list' | 'profiles.save' | 'profiles.delete' | 'profiles.restore' | 'profiles.duplicate' | 'profiles.move' | 'profiles.validate'>;

export function profileHandlers(s: Pick<Services, 'profiles'>): ProfileHandlers {
  const p = s.profiles;
  return {
    'profiles.list': async () => ({ profiles: await p.list() }),
    'profiles.save': async ({ id, profile }) => ({ profile: id ? await p.update(id, profile) : await p.create(profile) }),
    'profiles.delete': async ({ id }) => ({ profile: await p.remove(id) }),
    'profiles.restore': async ({ profile }) => ({ profile: await p.restore(profile) }),
    'profiles.duplicate': async ({ id }) => ({ profile: await p.duplicate(id) }),
    'profiles.move': async ({ id, folder }) => ({ profile: await p.move(id, folder) }),
    'profiles.validate': async ({ profile }) => p.validate(profile),
  };
}
