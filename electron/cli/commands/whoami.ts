// `pgentra whoami PROFILE`: logs in through a database session as the profile's identity and
// reports who the server thinks we are — the check an admin runs after granting a user, group
// or managed identity access. Shows the token's claims summary, never the token.
import type { Profile } from '../../../shared/profile.js';
import type { SessionInfo } from '../../../shared/ipcSessions.js';
import type { TokenFacts } from '../../auth/describeToken.js';
import { bool, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { openGroupSession } from '../pimRefusal.js';
import { profileOperand } from '../profileSession.js';

const HELP = `Usage: pgentra whoami PROFILE [--json]

Connects to the profile's server as its user with a fresh Microsoft Entra token and prints who
the server says you are: current_user, session_user, server version, TLS protocol and cipher,
the Entra account the token belongs to, when the token expires, and a summary of its claims
(upn, oid, tenant, audience, group count, the PostgreSQL role it logs in as). Never the token.

Use it to confirm access works, e.g. on a VM after granting its managed identity:
  pgentra whoami app-db
  pgentra whoami "Prod EU" --json | jq -r .currentUser

Options:
  --json   print one JSON object: {profile: {id, name}, host, port, database, sslmode,
           username, currentUser, sessionUser, serverVersion, backendPid,
           tls: {protocol, cipher} | null, account, tokenExpiresOn (ISO 8601),
           token: {kind, upn, oid, tid, aud, exp, appid, idtyp, groupsCount,
           groupsOverage, expectedUsername} | null}

A refused login exits non-zero with the reason (e.g. role not found, or the account is not a
member of the group).`;

export interface WhoAmI {
  profile: { id: string; name: string };
  host: string;
  port: number;
  database: string;
  sslmode: string;
  username: string;
  currentUser: string | null;
  sessionUser: string | null;
  serverVersion: string | null;
  backendPid: number | null;
  tls: SessionInfo['tls'];
  account: string | null;
  tokenExpiresOn: string | null;
  token: TokenFacts | null;
}

export function whoAmIOf(profile: Profile, info: SessionInfo, token: TokenFacts | undefined): WhoAmI {
  return {
    profile: { id: profile.id, name: profile.name },
    host: info.host,
    port: info.port,
    database: info.database,
    sslmode: info.sslmode,
    username: info.username,
    currentUser: info.currentUser,
    sessionUser: info.sessionUser,
    serverVersion: info.serverVersion,
    backendPid: info.backendPid,
    tls: info.tls,
    account: info.account,
    tokenExpiresOn: info.tokenExpiresOn,
    token: token ?? null,
  };
}

function inWords(ms: number): string {
  if (ms <= 0) return 'expired';
  const min = Math.round(ms / 60_000);
  return min < 90 ? `in ${min} min` : `in ${Math.floor(min / 60)} h ${min % 60} min`;
}

export function formatWhoAmI(w: WhoAmI, now = Date.now()): string {
  const line = (k: string, v: string): string => `${k.padEnd(16)}${v}\n`;
  let out = '';
  out += line('Profile', `${w.profile.name} (${w.profile.id})`);
  out += line('Server', `${w.host}:${w.port}, database ${w.database}, sslmode ${w.sslmode}`);
  out += line('current_user', w.currentUser ?? '(unknown)');
  out += line('session_user', w.sessionUser ?? '(unknown)');
  out += line('Server version', w.serverVersion ?? '(unknown)');
  if (w.backendPid !== null) out += line('Backend PID', String(w.backendPid));
  out += line('TLS', w.tls ? `${w.tls.protocol ?? 'unknown protocol'}, ${w.tls.cipher ?? 'unknown cipher'}` : 'none (the connection is not encrypted)');
  out += line('Account', w.account ?? '(unknown)');
  if (w.tokenExpiresOn) out += line('Token expires', `${w.tokenExpiresOn} (${inWords(Date.parse(w.tokenExpiresOn) - now)})`);
  if (w.token) {
    const t = w.token;
    out += 'Token claims\n';
    const claim = (k: string, v: string | number | undefined): void => {
      if (v !== undefined) out += `  ${k.padEnd(14)}${v}\n`;
    };
    claim('kind', t.kind);
    claim('upn', t.upn);
    claim('oid', t.oid);
    claim('tid', t.tid);
    claim('aud', t.aud);
    claim('appid', t.appid);
    claim('idtyp', t.idtyp);
    claim('groups', t.groupsOverage ? `${t.groupsCount ?? 0} (overage: more than the token can list)` : (t.groupsCount ?? 'not in the token (membership unknown)'));
    claim('logs in as', t.expectedUsername);
  }
  return out;
}

export const command: CommandDefinition = {
  name: 'whoami',
  summary: 'Connect as a profile and show current_user, TLS, account and token claims',
  help: HELP,
  allowPositionals: true,
  options: { json: { type: 'boolean' } },
  async run(ctx, { values, positionals }) {
    const name = profileOperand(positionals, 'whoami', 'pgentra whoami PROFILE [--json]');
    const opened = await openGroupSession(ctx, name, { then: 'run pgentra whoami again' });
    if (!opened) {
      ctx.stderr.write('pgentra whoami: cancelled.\n');
      return EXIT.cancelled;
    }
    try {
      const w = whoAmIOf(opened.profile, opened.sessions.info(opened.sessionId), opened.tokenFacts());
      ctx.stdout.write(bool(values.json) ? JSON.stringify(w, null, 2) + '\n' : formatWhoAmI(w));
      return EXIT.ok;
    } finally {
      await opened.close();
    }
  },
};
