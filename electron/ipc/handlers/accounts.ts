// accounts.* and tokens.*: the token broker's surface. No call returns a token: tokens.copy puts
// it on the clipboard from the main process, after the main process's own native dialog (which a
// renderer cannot skip or answer), and takes it off again after a minute, or when the app quits, if it is still there.
import { PgEntraError } from '../../../shared/errors.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type AccountHandlers = Pick<Handlers, 'accounts.list' | 'accounts.signIn' | 'accounts.signInDeviceCode' | 'accounts.cancelSignIn' | 'accounts.signOut' | 'tokens.copy' | 'tokens.describe'>;

export function accountHandlers(s: Pick<Services, 'accounts' | 'tokens' | 'profiles' | 'confirmTokenCopy' | 'clipboard'>): AccountHandlers {
  return {
    'accounts.list': async () => ({ accounts: await s.accounts.list() }),
    'accounts.signIn': async (req) => ({ account: await s.accounts.signIn(req) }),
    'accounts.signInDeviceCode': async (req) => ({ account: await s.accounts.signInDeviceCode(req) }),
    'accounts.cancelSignIn': async () => ({ cancelled: await s.accounts.cancelSignIn() }),
    'accounts.signOut': async (req) => ({ signedOut: await s.accounts.signOut(req) }),
    'tokens.copy': async ({ profileId }) => {
      const profile = await s.profiles.get(profileId);
      const d = await s.tokens.describe(profile);
      // No main-process confirmation or clipboard available: refused (fail closed), never waved through.
      const confirmed = s.confirmTokenCopy && s.clipboard ? await s.confirmTokenCopy({ profileName: profile.name, account: d.account, audience: d.audience, expiresOn: d.expiresOn }) : false;
      if (!confirmed || !s.clipboard) throw new PgEntraError('confirmation_required', 'Copying the access token was not confirmed.');
      const t = await s.tokens.copy(profile);
      // Off the clipboard again after a while, or when pgEntra quits first (appServices/tokenClipboard.ts).
      await s.clipboard.copyToken(t.token);
      return { copied: true as const, expiresOn: t.expiresOn.toISOString(), clearsAfterSeconds: s.clipboard.clearsAfterMs / 1000 };
    },
    'tokens.describe': async ({ profileId }) => s.tokens.describe(await s.profiles.get(profileId)),
  };
}
