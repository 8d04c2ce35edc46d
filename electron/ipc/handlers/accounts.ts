// accounts.* and tokens.*: the token broker's surface. No call returns a token: tokens.copy puts
// it on the clipboard from the main process, after the main process's own native dialog (which a
// renderer cannot skip or answer), and takes it off again after a minute if it is still there.
import { PgEntraError } from '../../../shared/errors.js';
import type { Handlers } from '../router.js';
import type { Services } from '../services.js';

type AccountHandlers = Pick<Handlers, 'accounts.list' | 'accounts.signIn' | 'accounts.signInDeviceCode' | 'accounts.cancelSignIn' | 'accounts.signOut' | 'tokens.copy' | 'tokens.describe'>;

/** How long a copied token stays on the clipboard. */
export const CLIPBOARD_CLEAR_MS = 60_000;

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
      const clipboard = s.clipboard;
      await clipboard.writeText(t.token);
      // Like a password manager: the token leaves the clipboard after a while, unless the person
      // copied something else meanwhile (then their copy stays).
      const timer = setTimeout(() => {
        void (async () => {
          if ((await clipboard.readText()) === t.token) await clipboard.writeText('');
        })().catch(() => undefined);
      }, CLIPBOARD_CLEAR_MS);
      timer.unref?.();
      return { copied: true as const, expiresOn: t.expiresOn.toISOString(), clearsAfterSeconds: CLIPBOARD_CLEAR_MS / 1000 };
    },
    'tokens.describe': async ({ profileId }) => s.tokens.describe(await s.profiles.get(profileId)),
  };
}
