// accounts.* and tokens.*: the token broker's surface. Only tokens.copy returns a token, and only
// with the person's confirmation: the renderer's (the contract requires `confirmed: true`) and then
// the main process's own native dialog, which a renderer cannot skip or answer.
import { PgEntraError } from '../../../shared/errors.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type AccountHandlers = Pick<Handlers, 'accounts.list' | 'accounts.signIn' | 'accounts.signInDeviceCode' | 'accounts.cancelSignIn' | 'accounts.signOut' | 'tokens.copy' | 'tokens.describe'>;

export function accountHandlers(s: Pick<Services, 'accounts' | 'tokens' | 'profiles' | 'confirmTokenCopy'>): AccountHandlers {
  return {
    'accounts.list': async () => ({ accounts: await s.accounts.list() }),
    'accounts.signIn': async (req) => ({ account: await s.accounts.signIn(req) }),
    'accounts.signInDeviceCode': async (req) => ({ account: await s.accounts.signInDeviceCode(req) }),
    'accounts.cancelSignIn': async () => ({ cancelled: await s.accounts.cancelSignIn() }),
    'accounts.signOut': async (req) => ({ signedOut: await s.accounts.signOut(req) }),
    'tokens.copy': async ({ profileId }) => {
      const profile = await s.profiles.get(profileId);
      const d = await s.tokens.describe(profile);
      // No main-process confirmation available: refused (fail closed), never waved through.
      const confirmed = s.confirmTokenCopy ? await s.confirmTokenCopy({ profileName: profile.name, account: d.account, audience: d.audience, expiresOn: d.expiresOn }) : false;
      if (!confirmed) throw new PgEntraError('confirmation_required', 'Copying the access token was not confirmed.');
      const t = await s.tokens.copy(profile);
      return { token: t.token, expiresOn: t.expiresOn.toISOString() };
    },
    'tokens.describe': async ({ profileId }) => s.tokens.describe(await s.profiles.get(profileId)),
  };
}
