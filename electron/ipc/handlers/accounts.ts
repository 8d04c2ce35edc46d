// accounts.* and tokens.*: the token broker's surface. Only tokens.copy returns a token, and
// only with the person's confirmation (the contract requires `confirmed: true`).
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type AccountHandlers = Pick<
  Handlers,
  'accounts.list' | 'accounts.signIn' | 'accounts.signInDeviceCode' | 'accounts.cancelSignIn' | 'accounts.signOut' | 'tokens.copy' | 'tokens.describe'
>;

export function accountHandlers(s: Pick<Services, 'accounts' | 'tokens' | 'profiles'>): AccountHandlers {
  return {
    'accounts.list': async () => ({ accounts: await s.accounts.list() }),
    'accounts.signIn': async (req) => ({ account: await s.accounts.signIn(req) }),
    'accounts.signInDeviceCode': async (req) => ({ account: await s.accounts.signInDeviceCode(req) }),
    'accounts.cancelSignIn': async () => ({ cancelled: await s.accounts.cancelSignIn() }),
    'accounts.signOut': async (req) => ({ signedOut: await s.accounts.signOut(req) }),
    'tokens.copy': async ({ profileId }) => {
      const t = await s.tokens.copy(await s.profiles.get(profileId));
      return { token: t.token, expiresOn: t.expiresOn.toISOString() };
    },
    'tokens.describe': async ({ profileId }) => s.tokens.describe(await s.profiles.get(profileId)),
  };
}
