// `pgentra firewall allow-my-ip PROFILE`: the one-step fix for `no pg_hba.conf entry for host
// "<ip>"`. The address is the one the server reported when it refused a login (or --ip), the
// server and rule are shown first, nothing changes without a yes (a terminal prompt, or --yes),
// and the login is tried again afterwards.
import { createInterface } from 'node:readline';
import { firewallRuleNameFor, type PreflightFinding } from '../../../shared/azure.js';
import { PgEntraError, isPgEntraError } from '../../../shared/errors.js';
import type { Profile } from '../../../shared/profile.js';
import { parseRefusedIp, validateFirewallIp } from '../../azure/firewall.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { bool, str, type CommandDefinition } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeFor } from '../exitCodes.js';
import { withPimAdvice } from '../pimRefusal.js';
import { openProfileSession } from '../profileSession.js';
import { withCliStepUp } from '../signInUi.js';
import { azureServiceFor, formatFindings, plain } from './servers.js';

const HELP = `Usage: pgentra firewall allow-my-ip PROFILE [--ip A.B.C.D] [--yes] [--device-code]

Adds a firewall rule for your IP address to the profile's flexible server, through Azure
Resource Manager with the profile's account. Without --ip, pgEntra first tries to log in: when
the server refuses with "no pg_hba.conf entry for host "<ip>"", that is the address it sees
(behind NAT, a VPN or a proxy it is not this computer's own); when the login works, the firewall
already lets you in and nothing changes.

It shows the server, the rule name (pgentra-A-B-C-D) and the address range first and asks
"Add this rule? [y/N]" on the terminal; without a terminal it changes nothing unless you pass
--yes. Then it waits until Azure has applied the rule and tries the login again.

The account needs permission to write firewall rules on the server
(Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write, e.g. Contributor). Azure requires
multi-factor authentication to change resources: when the account's sign-in has none, pgEntra
says so, signs in again for Azure Resource Manager (your browser, or a device code) and then adds
the rule.

Options:
  --ip A.B.C.D   the IPv4 address to allow, instead of the one the server reports
  --yes          add the rule without asking
  --device-code  for that sign-in (MFA), use a code on another device instead of the browser

Examples:
  pgentra firewall allow-my-ip prod
  pgentra firewall allow-my-ip prod --ip 203.0.113.7 --yes`;

export const command: CommandDefinition = {
  name: 'firewall',
  summary: "Allow your IP address through a server's firewall (after confirmation)",
  help: HELP,
  allowPositionals: true,
  options: { ip: { type: 'string' }, yes: { type: 'boolean' }, 'device-code': { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const [sub, name, ...extra] = positionals;
    if (sub !== 'allow-my-ip') {
      throw new PgEntraError('invalid_input', sub ? `Unknown firewall command "${sub}": use allow-my-ip.` : 'Say what to do: pgentra firewall allow-my-ip PROFILE', {
        hint: 'See pgentra firewall --help.',
      });
    }
    if (!name) throw new PgEntraError('invalid_input', 'Give the profile: pgentra firewall allow-my-ip PROFILE', { hint: 'Profiles: pgentra profiles list' });
    if (extra.length) throw new PgEntraError('invalid_input', `Unexpected argument "${extra[0]}".`, { hint: 'See pgentra firewall --help.' });
    return allowMyIp(ctx, name, str(values.ip), bool(values.yes), bool(values['device-code']));
  },
};

type LoginResult = { ok: true } | { ok: false; error: PgEntraError } | { cancelled: true };

/** Logs in as the profile the way query/psql do; a refusal is a result here, not a failure. */
async function tryLogin(ctx: CliContext, profile: Profile): Promise<LoginResult> {
  try {
    const s = await openProfileSession(ctx, profile.name);
    if (!s) return { cancelled: true };
    await s.close();
    return { ok: true };
  } catch (e) {
    // A group login refused at the password (so past the firewall) that PIM explains: the error says so.
    const explained = await withPimAdvice(ctx, e, profile, 'connect again');
    if (isPgEntraError(explained)) return { ok: false, error: explained };
    throw e;
  }
}

/** y/N on the terminal (stdin); false for anything but y/yes, and for Ctrl+C. */
export function askYesNo(question: string, ctx: CliContext): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    let answered = false;
    rl.on('close', () => {
      if (!answered) resolve(false);
    });
    ctx.signal.addEventListener('abort', () => rl.close(), { once: true });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

async function addressFromLogin(ctx: CliContext, profile: Profile): Promise<string | 'allowed' | 'cancelled'> {
  ctx.stderr.write(`Trying to log in to ${profile.host} to see which address the server sees…\n`);
  const r = await tryLogin(ctx, profile);
  if ('cancelled' in r) return 'cancelled';
  if (r.ok) return 'allowed';
  const ip = r.error.code === 'firewall_blocked' ? parseRefusedIp(r.error) : undefined;
  if (!ip) {
    throw new PgEntraError(r.error.code, `The login failed for another reason than the firewall, so pgEntra cannot tell which address to allow: ${r.error.message}`, {
      hint: `Fix that first, or pass the address with --ip.${r.error.hint ? ` ${r.error.hint}` : ''}`,
    });
  }
  return ip;
}

async function allowMyIp(ctx: CliContext, name: string, givenIp: string | undefined, yes: boolean, deviceCode: boolean): Promise<number> {
  const profile = await openProfileStore(ctx.dataDir).get(name);
  let ip: string;
  if (givenIp !== undefined) ip = validateFirewallIp(givenIp);
  else {
    const found = await addressFromLogin(ctx, profile);
    if (found === 'cancelled') return cancelled(ctx);
    if (found === 'allowed') {
      ctx.stdout.write(`The firewall of ${profile.host} already lets you in (the login as ${plain(profile.username)} worked). Nothing changed.\n`);
      return EXIT.ok;
    }
    ip = validateFirewallIp(found);
  }
  const azure = await azureServiceFor(ctx);
  const refusal = { code: 'firewall_blocked', message: `no pg_hba.conf entry for host "${ip}"`, details: { ip } };
  // Reading the server needs no MFA under Azure's mandatory MFA, but a Conditional Access policy may ask for it.
  const check = await withCliStepUp(ctx, 'read the server', deviceCode, () => azure.checkProfile(profile, { refusal, signal: ctx.signal, stepUp: 'throw' }));
  if (!check.server) {
    throw new PgEntraError('not_found', `pgEntra cannot find the Azure server of ${profile.host} to add the rule to.`, {
      hint: formatFindings(check.findings.filter((f: PreflightFinding) => f.id !== 'firewall_blocked')).trim(),
    });
  }
  const ruleName = firewallRuleNameFor(ip);
  ctx.stdout.write(
    `Server:    ${plain(check.server.name)} (resource group ${plain(check.server.resourceGroup)}, subscription ${check.server.subscriptionId})\n` +
      `Rule:      ${ruleName}\n` +
      `IP range:  ${ip} – ${ip}\n`,
  );
  if (!yes) {
    if (!process.stdin.isTTY) {
      throw new PgEntraError('confirmation_required', 'pgEntra adds a firewall rule only after you confirm it, and there is no terminal to ask on.', {
        hint: 'Run it in a terminal, or pass --yes to confirm.',
      });
    }
    if (!(await askYesNo('Add this rule? [y/N] ', ctx))) {
      ctx.stderr.write('Nothing changed.\n');
      return ctx.signal.aborted ? EXIT.cancelled : EXIT.failure;
    }
  }
  ctx.stderr.write('Adding the rule and waiting for Azure to apply it…\n');
  // Azure's mandatory MFA for writes: a sign-in without it gets a claims challenge, answered here once.
  const rule = await withCliStepUp(ctx, 'change firewall rules', deviceCode, () => azure.allowIp(profile, ip, { ruleName, signal: ctx.signal }));
  ctx.stdout.write(`Added firewall rule ${rule.ruleName} (${rule.startIpAddress} – ${rule.endIpAddress}) to ${plain(rule.server.name)}.\n`);
  return reportLogin(ctx, profile, ip);
}

async function reportLogin(ctx: CliContext, profile: Profile, ip: string): Promise<number> {
  const again = await tryLogin(ctx, profile);
  if ('cancelled' in again) return cancelled(ctx);
  if (again.ok) {
    ctx.stdout.write(`Logged in to ${profile.host} as ${plain(profile.username)}: the firewall lets you in now.\n`);
    return EXIT.ok;
  }
  const e = again.error;
  if (e.code === 'firewall_blocked') {
    const seen = parseRefusedIp(e);
    ctx.stderr.write(
      seen && seen !== ip
        ? `The server still refuses the login: it now sees ${seen}, not ${ip} (a VPN, proxy or changing address). Run pgentra firewall allow-my-ip ${profile.name} again.\n`
        : `The server still refuses the login from ${ip}. Azure can take a minute to apply a rule: try again shortly.\n`,
    );
    return EXIT.failure;
  }
  ctx.stderr.write(`The firewall lets you in now, but the login failed: ${e.message}${e.hint ? ` ${e.hint}` : ''}\n`);
  return exitCodeFor(e.code);
}

function cancelled(ctx: CliContext): number {
  ctx.stderr.write('pgentra firewall: cancelled.\n');
  return EXIT.cancelled;
}
