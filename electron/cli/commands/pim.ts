// `pgentra pim list|activate|status`: PIM for Groups through Microsoft Graph, for a signed-in
// account — the memberships it is eligible for and the active ones, activating one (reason,
// duration, ticket; an approver; an authentication context answered with a step-up) and, with
// --wait, waiting until the server accepts the group login with a fresh token. The work is in
// ../../pim/; this module reads the arguments, picks the profile to wait for and prints.
import path from 'node:path';
import { isBuiltinCloudName } from '../../../shared/clouds.js';
import { PgEntraError, isPgEntraError } from '../../../shared/errors.js';
import { cloudRef, type Profile } from '../../../shared/profile.js';
import type { GraphCaller } from '../../graph/graphClient.js';
import { printable } from '../../net/networkErrors.js';
import { activateAndConnect, type ActivationStage } from '../../pim/activateAndConnect.js';
import { readActivations, type ActivationRecord } from '../../pim/activationLog.js';
import { activateCommand, clockTime, shellWord } from '../../pim/pimAdvice.js';
import { isoDuration, type PimActivation, type PimMembership } from '../../pim/pimService.js';
import { openProfileStore } from '../../profiles/profileAccess.js';
import { readArgumentFile } from '../argumentFile.js';
import { bool, str, type CommandDefinition, type OptionValues } from '../command.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exitCodes.js';
import { openProfileSession } from '../profileSession.js';
import { withCliStepUp } from '../signInUi.js';
import { formatTable } from './servers.js';

const HELP = `Usage:
  pgentra pim list [--account UPN] [--json]
  pgentra pim activate GROUP [--duration 2h] [--reason TEXT | --reason-file PATH]
                       [--ticket SYSTEM:NUMBER] [--wait] [--profile NAME] [--account UPN]
                       [--device-code] [--json]
  pgentra pim status [--account UPN] [--json]

Privileged Identity Management (PIM) for Groups, through Microsoft Graph with the account's own
sign-in. A membership can be eligible (you may activate it) or active (in effect: activated until
an end time, or permanent). A server lets you log in as a group only while the membership is
active — and only with a token issued after the activation: pgEntra records each activation on
this computer, so no pgentra command (nor pgAdmin's password command, nor the proxy) hands out a
token from before it.

  list      eligible and active memberships: GROUP, STATE, END (or "permanent")
  activate  requests the activation of GROUP (its name or object id) for --duration with a
            --reason (most policies require one) and, when the group's policy asks, a --ticket.
            Progress goes to stderr: requesting → waiting for an approver → active until HH:MM →
            waiting for the server (attempt n) → connected. Without --wait it returns once PIM
            has activated the membership, or exits 80 when the activation waits for an approver.
            With --wait it also waits for the approver, then until the server accepts the login
            as GROUP with a fresh token — for the profile named by --profile, else the one
            profile whose user is GROUP and whose account is the account (with none it waits for
            the activation only). Running it again follows a request that still waits for an
            approver, or an activation that is already active, instead of making another.
            When the group's policy requires multi-factor authentication (an authentication
            context), pgEntra signs you in again for Microsoft Graph (browser, or --device-code)
            and requests it once more.
  status    the active memberships with their end and the time left, activations that wait for
            an approver, and what this computer activated

Options:
  --account UPN          the signed-in account (default: the only one signed in to the cloud)
  --duration D           how long: 2h, 90m, 1h30m or ISO 8601 (PT2H); default 1h. At most the
                         group's policy maximum (often 8h)
  --reason TEXT          the justification PIM records
  --reason-file PATH     the justification read from a file, or from standard input with -: unlike
                         --reason, not on the command line, where other local users see it (ps)
  --ticket SYSTEM:NUMBER a ticket, e.g. ServiceNow:CHG0042 (when the policy requires one)
  --wait                 wait for an approver and for the server (above)
  --profile NAME         the profile whose login to wait for
  --device-code          for a sign-in Graph asks for (MFA), use a code instead of the browser
  --json                 list: [{group, groupId, state, endDateTime, assignmentType}];
                         activate: {requestId, group, groupId, status, endDateTime, account,
                         connected}; status: {account, active, pending, activatedHere}

Exit codes of activate: 0 active (with --wait: the server accepts the login), 80 waits for an
approver, 81 denied, 82 not eligible for the group, 77 a sign-in or an administrator's consent is
needed, 64 the policy refused the request (the message says which rule: --reason, --ticket,
--duration).

The tenant must let pgEntra's client id use Microsoft Graph's delegated permissions
PrivilegedEligibilitySchedule.Read.AzureADGroup and PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup
(admin consent). The Azure CLI's client id, pgEntra's default, cannot get them: set your
organisation's app registration with pgentra settings set client-id.public <id>.

Examples:
  pgentra pim list
  pgentra pim activate db-admins --duration 2h --reason "change 42" --wait
  pgentra pim activate db-admins --reason "incident" --ticket ServiceNow:INC0815 --json
  pgentra pim activate db-admins --reason-file reason.txt --wait
  pgentra pim status`;

const SUBCOMMAND_OPTIONS: Record<string, readonly string[]> = {
  list: ['account', 'json'],
  status: ['account', 'json'],
  activate: ['account', 'json', 'duration', 'reason', 'reason-file', 'ticket', 'wait', 'profile', 'device-code'],
};
const PIM_OPTIONS = ['account', 'json', 'duration', 'reason', 'reason-file', 'ticket', 'wait', 'profile', 'device-code'];
/** PIM's justification is short; a file with more than this is not one reason. */
export const REASON_MAX_CHARS = 500;
const REASON_FILE_MAX_BYTES = 4096;

export interface ActivateArgs {
  group: string;
  /** ISO 8601 (PT1H). */
  duration: string;
  reason?: string;
  /** --reason-file: a path, or - for standard input; read when the command runs. */
  reasonFile?: string;
  ticket?: { system: string; number: string };
  wait: boolean;
  profile?: string;
  account?: string;
  deviceCode: boolean;
  json: boolean;
}

/** `ServiceNow:CHG0042` → { system, number }. */
export function parseTicket(text: string): { system: string; number: string } {
  const colon = text.indexOf(':');
  const system = colon > 0 ? text.slice(0, colon).trim() : '';
  const number = colon > 0 ? text.slice(colon + 1).trim() : '';
  if (!system || !number) throw new PgEntraError('invalid_input', `--ticket "${text}" is not SYSTEM:NUMBER.`, { hint: 'For example --ticket ServiceNow:CHG0042.' });
  return { system, number };
}

/** A justification trimmed, neither empty nor longer than PIM takes. */
export function checkReason(text: string, option: '--reason' | '--reason-file'): string {
  const reason = text.trim();
  if (!reason) throw new PgEntraError('invalid_input', `${option} is empty: say why you need the membership.`);
  if (reason.length > REASON_MAX_CHARS) throw new PgEntraError('invalid_input', `${option} is longer than ${REASON_MAX_CHARS} characters.`);
  return reason;
}

/** The sub-command and its operands; an option that belongs to another sub-command is refused. */
export function parsePimArgs(values: OptionValues, positionals: readonly string[]): { sub: 'list' | 'status'; account?: string; json: boolean } | ({ sub: 'activate' } & ActivateArgs) {
  const [sub, ...rest] = positionals;
  if (sub === undefined) throw new PgEntraError('invalid_input', 'Say what to do: list, activate GROUP or status.', { hint: 'See pgentra pim --help.' });
  const allowed = SUBCOMMAND_OPTIONS[sub];
  if (!allowed) throw new PgEntraError('invalid_input', `Unknown pim command "${sub}": use list, activate or status.`, { hint: 'See pgentra pim --help.' });
  for (const o of PIM_OPTIONS) {
    if (values[o] !== undefined && !allowed.includes(o)) throw new PgEntraError('invalid_input', `--${o} goes with pim activate, not pim ${sub}.`, { hint: 'See pgentra pim --help.' });
  }
  const account = str(values.account);
  const json = bool(values.json);
  if (sub === 'list' || sub === 'status') {
    if (rest.length) throw new PgEntraError('invalid_input', `Unexpected argument "${rest[0]}".`, { hint: 'See pgentra pim --help.' });
    return { sub, json, ...(account ? { account } : {}) };
  }
  const [group, ...extra] = rest;
  if (!group?.trim()) throw new PgEntraError('invalid_input', 'Give the group: pgentra pim activate GROUP', { hint: 'pgentra pim list shows the groups you are eligible for.' });
  if (extra.length) throw new PgEntraError('invalid_input', `Unexpected argument "${extra[0]}".`, { hint: 'Quote a group name with spaces; see pgentra pim --help.' });
  const given = str(values.reason);
  const reason = given === undefined ? undefined : checkReason(given, '--reason');
  const reasonFile = str(values['reason-file']);
  if (given !== undefined && reasonFile !== undefined) throw new PgEntraError('invalid_input', 'Give --reason or --reason-file, not both.');
  const ticket = str(values.ticket);
  const profile = str(values.profile);
  return {
    sub: 'activate',
    group,
    duration: isoDuration(str(values.duration) ?? '1h'),
    wait: bool(values.wait),
    deviceCode: bool(values['device-code']),
    json,
    ...(reason ? { reason } : {}),
    ...(reasonFile !== undefined ? { reasonFile } : {}),
    ...(ticket !== undefined ? { ticket: parseTicket(ticket) } : {}),
    ...(profile ? { profile } : {}),
    ...(account ? { account } : {}),
  };
}

/**
 * Text from Graph (group names, request ids), the profile store or the activation log as it goes to
 * the terminal: no control characters, so no escape sequence moves the cursor or retitles the
 * window. Not for --json: JSON escapes them itself. (Entra display names have at most 256 characters.)
 */
function shown(text: string): string {
  return printable(text, 256);
}

/** `PT1H30M` → `1 h 30 min`. */
export function durationWords(iso: string): string {
  const m = /^PT(?:(\d+)H)?(?:(\d+)M)?$/.exec(iso);
  if (!m) return iso;
  return [m[1] ? `${Number(m[1])} h` : '', m[2] ? `${Number(m[2])} min` : ''].filter(Boolean).join(' ');
}

/** How long until `endIso`, in words ("58 min", "2 h 5 min", "ended"); "" when permanent. */
export function timeLeft(endIso: string | null, now = Date.now()): string {
  if (endIso === null) return '';
  const ms = Date.parse(endIso) - now;
  if (!(ms > 0)) return 'ended';
  const min = Math.ceil(ms / 60_000);
  return min < 90 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** A date and time on this computer's clock, or "permanent". */
function endWords(endIso: string | null): string {
  if (endIso === null) return 'permanent';
  const d = new Date(endIso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${clockTime(d)}`;
}

/**
 * The profiles `pim activate --wait` may wait for: those that log in as `group` with `account`
 * in `cloud` (a person's credential). One is the one; several need --profile; none: no server.
 */
export function profilesForGroup(profiles: readonly Profile[], group: string, account: string, cloud: string): Profile[] {
  return profiles.filter((p) => {
    const c = p.credential;
    return p.username === group && cloudRef(p.cloud) === cloud && (c.kind === 'interactive' || c.kind === 'device-code') && c.account?.toLowerCase() === account.toLowerCase();
  });
}

/** The cloud ref of --cloud (a file relative to the working folder). */
function cliCloud(ctx: CliContext): string {
  return isBuiltinCloudName(ctx.global.cloud) ? ctx.global.cloud : path.resolve(ctx.cwd, ctx.global.cloud);
}

/** --account, else the only account signed in to the cloud. */
async function accountFor(ctx: CliContext, cloud: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const accounts = await (await ctx.services.broker()).listAccounts(cloud);
  const [only, ...more] = accounts;
  if (!only) throw new PgEntraError('sign_in_required', 'No account is signed in.', { hint: 'Run: pgentra login (with the account that is eligible in PIM).' });
  if (more.length) throw new PgEntraError('invalid_input', `Several accounts are signed in (${accounts.map((a) => a.username).join(', ')}): say which with --account UPN.`);
  return only.username;
}

/**
 * The account to activate for with --profile: the one the profile's login uses, checked against
 * --account before any Graph request. PIM activates one person's membership; waiting for a login
 * made by another identity (another account, a managed identity, the Azure CLI) could never succeed.
 */
async function accountForProfile(ctx: CliContext, cloud: string, profile: Profile, given: string | undefined): Promise<string> {
  const c = profile.credential;
  const name = shown(profile.name);
  const other = given ? ` with ${given}` : '';
  if (c.kind === 'managed-identity' || c.kind === 'azure-cli') {
    const id = c.kind === 'managed-identity' ? (c.clientId ?? c.objectId ?? c.resourceId) : undefined;
    const identity =
      c.kind === 'managed-identity'
        ? `a managed identity${id ? ` (${id})` : ''}, not a person's account`
        : "the Azure CLI's sign-in, whose account pgEntra cannot tell (nor fetch it a token issued after the activation)";
    throw new PgEntraError('invalid_input', `The profile ${name} logs in with ${identity}: activating ${shown(profile.username)}${other} would not let that login in.`, {
      hint: `Name a profile that signs in with your account (interactive or device code), or leave out --profile: pgentra pim activate ${shellWord(profile.username)}${given ? ` --account ${shellWord(given)}` : ''}.`,
    });
  }
  let uses = c.account;
  if (!uses && given) {
    // A profile without an account logs in with the only signed-in one (none yet: the one signed in next).
    const accounts = await (await ctx.services.broker()).listAccounts(cloud);
    if (accounts.length > 1) {
      throw new PgEntraError(
        'invalid_input',
        `The profile ${name} names no account and several are signed in (${accounts.map((x) => x.username).join(', ')}): its login cannot tell it should use ${given}.`,
        {
          hint: 'Leave out --profile, or sign out of the other accounts (pgentra logout --account UPN).',
        },
      );
    }
    uses = accounts[0]?.username ?? given;
  }
  if (given && uses && uses.toLowerCase() !== given.toLowerCase()) {
    throw new PgEntraError('invalid_input', `The profile ${name} logs in with ${uses}, not ${given} (--account): the activation would be ${given}'s and the login ${uses}'s.`, {
      hint: `Pass --account ${shellWord(uses)} (or leave --account out), or name a profile that uses ${given}.`,
    });
  }
  return accountFor(ctx, cloud, uses);
}

function callerOf(ctx: CliContext, cloud: string, account: string): GraphCaller {
  return { cloud, credential: { kind: 'interactive', account }, signal: ctx.signal };
}

export const command: CommandDefinition = {
  name: 'pim',
  summary: 'PIM for Groups: eligible and active memberships, activate one and connect',
  help: HELP,
  allowPositionals: true,
  options: {
    account: { type: 'string' },
    duration: { type: 'string' },
    reason: { type: 'string' },
    'reason-file': { type: 'string' },
    ticket: { type: 'string' },
    wait: { type: 'boolean' },
    profile: { type: 'string' },
    'device-code': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const args = parsePimArgs(values, positionals);
    if (args.sub === 'activate') return activate(ctx, args);
    const cloud = cliCloud(ctx);
    const account = await accountFor(ctx, cloud, args.account);
    return args.sub === 'list' ? list(ctx, cloud, account, args.json) : status(ctx, cloud, account, args.json);
  },
};

function sortMemberships(m: readonly PimMembership[]): PimMembership[] {
  return [...m].sort((a, b) => a.group.localeCompare(b.group) || a.state.localeCompare(b.state));
}

async function list(ctx: CliContext, cloud: string, account: string, json: boolean): Promise<number> {
  const pim = await ctx.services.pim(cloud);
  const memberships = sortMemberships(await withCliStepUp(ctx, 'read your PIM group memberships', false, () => pim.list(callerOf(ctx, cloud, account))));
  if (json) {
    ctx.stdout.write(JSON.stringify(memberships, null, 2) + '\n');
    return EXIT.ok;
  }
  if (memberships.length === 0) {
    ctx.stdout.write(`${shown(account)} has no eligible or active group memberships in PIM.\n`);
    return EXIT.ok;
  }
  ctx.stdout.write(formatTable([['GROUP', 'STATE', 'END'], ...memberships.map((m) => [shown(m.group), m.state, endWords(m.endDateTime)])]));
  return EXIT.ok;
}

async function status(ctx: CliContext, cloud: string, account: string, json: boolean): Promise<number> {
  const pim = await ctx.services.pim(cloud);
  const caller = callerOf(ctx, cloud, account);
  const [memberships, pending] = await withCliStepUp(ctx, 'read your PIM group memberships', false, () => Promise.all([pim.list(caller), pim.pendingRequests(caller)]));
  const active = sortMemberships(memberships.filter((m) => m.state === 'active'));
  const here = readActivations(ctx.dataDir).filter((r) => r.account.toLowerCase() === account.toLowerCase());
  const now = Date.now();
  if (json) {
    const remainingSeconds = (m: PimMembership): number | null => (m.endDateTime === null ? null : Math.max(0, Math.round((Date.parse(m.endDateTime) - now) / 1000)));
    ctx.stdout.write(JSON.stringify({ account, active: active.map((m) => ({ ...m, remainingSeconds: remainingSeconds(m) })), pending, activatedHere: here }, null, 2) + '\n');
    return EXIT.ok;
  }
  let out = `PIM for Groups of ${shown(account)}\n\n`;
  out += active.length
    ? `Active:\n${indent(formatTable([['GROUP', 'END', 'LEFT'], ...active.map((m) => [shown(m.group), endWords(m.endDateTime), timeLeft(m.endDateTime, now) || '-'])]))}`
    : 'Active: none. pgentra pim list shows what you may activate.\n';
  if (pending.length) out += `\nWaiting for an approver:\n${indent(formatTable([['GROUP', 'REQUEST'], ...pending.map((p) => [shown(p.group), shown(p.requestId)])]))}`;
  if (here.length)
    out += `\nActivated on this computer:\n${indent(formatTable([['GROUP', 'ACTIVATED', 'END'], ...here.map((r: ActivationRecord) => [shown(r.group), endWords(r.activatedAt), r.endsAt ? `${endWords(r.endsAt)}${Date.parse(r.endsAt) <= now ? ' (ended)' : ''}` : '-'])]))}`;
  ctx.stdout.write(out);
  return EXIT.ok;
}

function indent(table: string): string {
  return table
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

/** The profile whose login --wait waits for (undefined: none, wait for the activation only). */
async function profileToWaitFor(ctx: CliContext, a: ActivateArgs, account: string, cloud: string): Promise<Profile | undefined> {
  const store = openProfileStore(ctx.dataDir);
  const candidates = profilesForGroup(await store.list(), a.group, account, cloud);
  if (candidates.length > 1) {
    throw new PgEntraError('invalid_input', `Several profiles log in as ${a.group} with ${account}: ${candidates.map((p) => p.name).join(', ')}. Say which login to wait for.`, {
      hint: `Add --profile NAME, e.g. ${activateCommand(a.group, { wait: true })} --profile ${candidates[0] ? shellWord(candidates[0].name) : 'NAME'}.`,
    });
  }
  return candidates[0];
}

function progressPrinter(ctx: CliContext, a: ActivateArgs, account: string, profile: Profile | undefined): (s: ActivationStage) => void {
  let pendingShown = false;
  return (s) => {
    switch (s.stage) {
      case 'requesting':
        ctx.stderr.write(`Requesting the activation of ${shown(a.group)} for ${durationWords(a.duration)} as ${shown(account)}…\n`);
        return;
      case 'pending-approval':
        if (pendingShown) return;
        pendingShown = true;
        ctx.stderr.write(
          `Pending approval: the activation waits for an approver (request ${shown(s.activation.requestId)})${a.wait ? '. Waiting for the decision (Ctrl+C stops waiting; the request stays)…' : '.'}\n`,
        );
        return;
      case 'active':
        ctx.stderr.write(
          s.activation.endDateTime
            ? `Active until ${clockTime(s.activation.endDateTime)} (${timeLeft(s.activation.endDateTime)}): ${shown(s.activation.group)}.\n`
            : `Active: ${shown(s.activation.group)}.\n`,
        );
        if (a.wait && profile) ctx.stderr.write(`Waiting for ${shown(profile.host)} to accept the login as ${shown(profile.username)} (profile ${shown(profile.name)}) with a fresh token…\n`);
        return;
      case 'waiting-for-server':
        ctx.stderr.write(`Waiting for the server (attempt ${s.attempt}): it does not see the membership yet…\n`);
        return;
      case 'connected':
        ctx.stderr.write(`Connected to ${shown(profile?.host ?? 'the server')} as ${shown(profile?.username ?? a.group)}.\n`);
        return;
    }
  };
}

/** --reason, or the text of --reason-file (read before anything is asked of Graph). */
async function reasonOf(ctx: CliContext, a: ActivateArgs): Promise<string | undefined> {
  if (a.reasonFile === undefined) return a.reason;
  const io = { cwd: ctx.cwd, prompt: ctx.stderr, signal: ctx.signal, ...(ctx.stdin ? { stdin: ctx.stdin } : {}) };
  return checkReason(await readArgumentFile('--reason-file', a.reasonFile, REASON_FILE_MAX_BYTES, io), '--reason-file');
}

async function activate(ctx: CliContext, a: ActivateArgs): Promise<number> {
  const reason = await reasonOf(ctx, a);
  let cloud = cliCloud(ctx);
  let profile: Profile | undefined;
  if (a.profile) {
    profile = await openProfileStore(ctx.dataDir).get(a.profile);
    if (profile.username !== a.group) {
      throw new PgEntraError('invalid_input', `The profile ${shown(profile.name)} logs in as ${shown(profile.username)}, not ${shown(a.group)}.`, { hint: 'Name a profile whose user is the group.' });
    }
    cloud = cloudRef(profile.cloud);
  }
  const account = profile ? await accountForProfile(ctx, cloud, profile, a.account) : await accountFor(ctx, cloud, a.account);
  if (a.wait && !profile) {
    profile = await profileToWaitFor(ctx, a, account, cloud);
    if (!profile) ctx.stderr.write(`No profile logs in as ${shown(a.group)} with ${shown(account)}: waiting for the activation only (--profile NAME names a login to wait for).\n`);
  }
  const waitFor = a.wait ? profile : undefined;
  const login = waitFor
    ? async (): Promise<void> => {
        // A token fetched now each time: one from before the membership reached Entra lacks the group.
        const s = await openProfileSession(ctx, waitFor.id, { fresh: true });
        if (!s) throw new PgEntraError('sign_in_cancelled', 'Cancelled.');
        await s.close();
      }
    : undefined;
  const pim = await ctx.services.pim(cloud);
  let last: PimActivation | undefined;
  const show = progressPrinter(ctx, a, account, waitFor);
  const onProgress = (s: ActivationStage): void => {
    if (s.stage !== 'requesting') last = s.activation;
    show(s);
  };
  const json = (activation: PimActivation, connected: boolean | null): void => {
    if (!a.json) return;
    const { requestId, group, groupId, status: st, endDateTime } = activation;
    ctx.stdout.write(JSON.stringify({ requestId: requestId || null, group, groupId, status: st, endDateTime, account, connected }, null, 2) + '\n');
  };
  try {
    const activation = await withCliStepUp(ctx, `activate ${a.group}`, a.deviceCode, () =>
      activateAndConnect(pim, callerOf(ctx, cloud, account), a.group, {
        duration: a.duration,
        ...(reason ? { reason } : {}),
        ...(a.ticket ? { ticket: a.ticket } : {}),
        dataDir: ctx.dataDir,
        account,
        signal: ctx.signal,
        onProgress,
        // Without --wait, an activation that needs an approver is reported at once (exit 80).
        ...(a.wait ? {} : { approvalTimeoutMs: 0 }),
        ...(login ? { login } : {}),
      }),
    );
    json(activation, waitFor ? true : null);
    if (!a.json) {
      const until = activation.endDateTime ? ` until ${clockTime(activation.endDateTime)}` : '';
      ctx.stdout.write(
        waitFor
          ? `${shown(activation.group)} is active${until}; ${shown(waitFor.host)} accepts the login as ${shown(waitFor.username)} (profile ${shown(waitFor.name)}).\n`
          : `${shown(activation.group)} is active for ${shown(account)}${until}.\n`,
      );
    }
    return EXIT.ok;
  } catch (e) {
    if (isPgEntraError(e) && e.code === 'pim_pending_approval' && !a.wait) {
      if (last) json(last, null);
      throw new PgEntraError(e.code, e.message, {
        hint: `Once an approver has approved it, ${activateCommand(a.group, { wait: true })} follows this request and connects; pgentra pim status shows it meanwhile.`,
        ...(e.details ? { details: e.details } : {}),
        cause: e,
      });
    }
    throw e;
  }
}
