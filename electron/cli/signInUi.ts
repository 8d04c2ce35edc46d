// How the CLI's interactive sign-ins talk to the person: the browser is opened (or, with no
// display, the URL is printed with the device-code way out), a hint follows when the browser has
// not come back after a few minutes (Entra shows some refusals only on its page), and a claims
// challenge (MFA for Azure Resource Manager, Conditional Access) is answered with a step-up for the
// scope that failed — saying why first — after which the operation runs once more.
import type { SignedInAccount } from '../auth/signIn.js';
import { stepUpReason, withStepUp, type ClaimsChallenge } from '../auth/stepUp.js';
import type { CliContext } from './context.js';

/** openBrowser/onSlow for an interactive sign-in run from a terminal. */
export function browserSignIn(ctx: CliContext): { openBrowser: (url: string) => Promise<void>; onSlow: () => void } {
  return {
    openBrowser: async (url) => {
      const opened = await ctx.services.openBrowser(url);
      ctx.stderr.write(
        opened
          ? `Opened your browser to sign in. If it did not open, visit:\n${url}\n`
          : `No browser could be opened here (no display, or $BROWSER failed). Open this URL in a browser on this same computer — the sign-in returns to http://localhost here:\n${url}\n` +
              `On SSH or without a browser, press Ctrl+C and add --device-code: you then sign in on any device with a code.\n`,
      );
    },
    onSlow: () =>
      ctx.stderr.write(
        'Still waiting for the sign-in in the browser. If the page shows an error, Microsoft Entra ID does not return to pgEntra for some of them ' +
          '(an account that is not in the tenant, a Conditional Access block): read it there, then press Ctrl+C. Or press Ctrl+C and add --device-code to sign in with a code instead.\n',
      ),
  };
}

/** Prints why, then signs in again for the challenged scope (browser, or a device code). */
export function cliStepUp(ctx: CliContext, action: string, deviceCode: boolean): (challenge: ClaimsChallenge, error?: unknown) => Promise<SignedInAccount> {
  return async (challenge, error) => {
    const broker = await ctx.services.broker();
    ctx.stderr.write(`${stepUpReason(challenge, action, error)} Signing in again${challenge.account ? ` as ${challenge.account}` : ''}…\n`);
    const via = deviceCode
      ? {
          deviceCode: (info: { message: string; userCode: string; verificationUri: string }) => ctx.stderr.write(`${info.message}\nCode: ${info.userCode}\nURL: ${info.verificationUri}\n`),
          signal: ctx.signal,
        }
      : { ...browserSignIn(ctx), signal: ctx.signal };
    return broker.stepUp(challenge, via);
  };
}

/** Runs an Azure operation; a claims challenge gets one step-up (see cliStepUp) and one retry. */
export function withCliStepUp<T>(ctx: CliContext, action: string, deviceCode: boolean, operation: () => Promise<T>): Promise<T> {
  const stepUp = cliStepUp(ctx, action, deviceCode);
  return withStepUp(operation, async (challenge, error) => {
    await stepUp(challenge, error);
  });
}
