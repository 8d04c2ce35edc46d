// The words for a login as a group that the server refused while PIM for Groups may be why: the
// command that activates the membership, and what to say when that is only a possibility (the
// local auth proxy, which never asks Graph), when Graph confirmed the account is eligible but not
// active (the CLI), or when the membership is active but has not reached the server yet. One place,
// so the proxy, query, whoami, psql and firewall say the same thing. Pure: no I/O.

/**
 * A name as one word to paste into a shell: plain names bare, others in single quotes, so $(…),
 * backticks and $VAR in a group or profile name (an imported profile) stay text. A quote inside is
 * written '"'"' (close, "'", reopen), not POSIX's '\'': PowerShell also reads '…' literally and
 * "'" holds nothing it expands, so every character stays text there too, where '\'' would leave
 * the rest unquoted. PowerShell also counts ‘ ’ ‚ ‛ as quotes. (cmd.exe has no single quotes.)
 */
export function shellWord(s: string): string {
  if (/^[\w.@-]+$/.test(s)) return s;
  return `'${s.replace(/['\u2018\u2019\u201a\u201b]+/g, (q) => `'"${q}"'`)}'`;
}

/** `pgentra pim activate db-admins --reason "…"` (+ `--wait`: returns once the server accepts the login). */
export function activateCommand(group: string, opts: { wait?: boolean } = {}): string {
  return `pgentra pim activate ${shellWord(group)} --reason "…"${opts.wait ? ' --wait' : ''}`;
}

/** HH:MM on this computer's clock (an activation's end is hours away at most). */
export function clockTime(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** The proxy's hint: PIM is a possibility (it does not ask Graph), and it fetches a fresh token by itself. */
export function possiblePimHint(group: string): string {
  return `If your membership in ${group} is eligible in Privileged Identity Management (PIM) rather than active, activate it — ${activateCommand(group)} — then reconnect: the proxy fetches a fresh token.`;
}

/** Graph says the account is eligible for `group` and the membership is not active. */
export function eligibleHint(group: string, opts: { account?: string | undefined; endedActivationAt?: string | undefined; then: string }): string {
  const who = opts.account ?? 'your account';
  const first = opts.endedActivationAt
    ? `In Privileged Identity Management (PIM), the activation of ${group} made on this computer at ${clockTime(opts.endedActivationAt)} has ended: ${who} is eligible for it, not an active member. Activate it again`
    : `In Privileged Identity Management (PIM), ${who} is eligible for ${group} but the membership is not active. Activate it`;
  return `${first}: ${activateCommand(group, { wait: true })}, then ${opts.then}.`;
}

/** Graph says the membership is active, yet the server refused a fresh token: it has not reached the server yet. */
export function notYetOnServerHint(group: string, endDateTime: string | null, opts: { then: string }): string {
  const until = endDateTime ? ` until ${clockTime(endDateTime)}` : '';
  return `Your membership in ${group} is active in Privileged Identity Management (PIM)${until}, but the server does not see it yet: an activation takes seconds to minutes to reach it. Wait a moment, then ${opts.then} (or: ${activateCommand(group, { wait: true })}, which waits for the server).`;
}
