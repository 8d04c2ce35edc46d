// `pgentra token`: prints a fresh access token (only the token) for PGPASSWORD and pgAdmin's
// PasswordExecCommand. Must be fast and silent on success: a cached token with more than the
// margin left comes straight from the keychain without loading MSAL or touching the network.
// The margin is 5 minutes by default (TOKEN_COMMAND_MIN_VALIDITY_SECONDS), so pgAdmin may reuse
// the printed token for PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS without it ever expiring.
import { readFileSync } from 'node:fs';
import type { Credential } from '../../../shared/credential.js';
import type { Profile } from '../../../shared/profile.js';
import { CredentialSchema } from '../../../shared/credential.js';
import { PgEntraError } from '../../../shared/errors.js';
import { bool, str, type CommandDefinition } from '../command.js';
import { EXIT } from '../exitCodes.js';
import { PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS, TOKEN_COMMAND_MIN_VALIDITY_SECONDS } from '../../interop/passwordExecTiming.js';

const HELP = `Usage:
  pgentra token PROFILE [--fresh] [--json]   (a saved profile's name or id: its credential and cloud)
  pgentra token --account UPN [--tenant T] [--fresh] [--json]
  pgentra token --managed-identity [--client-id ID | --object-id ID | --resource-id ID] [--fresh] [--json]
  pgentra token --azure-cli [--tenant T] [--fresh] [--json]
  pgentra token --decode -                   (decodes a token read from stdin; or any of
                                             the forms above plus --decode)

Prints an access token for Azure Database for PostgreSQL on stdout and nothing else, for
PGPASSWORD=$(pgentra token --account you@contoso.com) or pgAdmin's PasswordExecCommand.
On failure: nothing on stdout, a one-line reason on stderr and a non-zero exit code.

Options:
  --account UPN         signed-in account (see: pgentra accounts)
  --tenant T            tenant id or domain (default: the account's home tenant). A guest
                        reaches a server in another tenant only with --tenant <that tenant>
  --managed-identity    use this Azure host's managed identity (system-assigned by default)
  --client-id ID        with --managed-identity: user-assigned identity client id
                        (otherwise: the sign-in app's client id, a global option)
  --object-id ID        user-assigned identity object id
  --resource-id ID      user-assigned identity resource id (/subscriptions/…)
  --azure-cli           use the Azure CLI's sign-in (az account get-access-token)
  --min-validity SECS   token must have at least this long left (default ${TOKEN_COMMAND_MIN_VALIDITY_SECONDS}: pgAdmin
                        reuses the token for up to ${PGADMIN_PASSWORD_EXEC_EXPIRATION_SECONDS} s, see pgentra export pgadmin)
  --fresh               ask Entra for a new token, bypassing every cache: after activating a
                        group membership in Privileged Identity Management (PIM) or being added
                        to a group, a cached token predates the change and the server refuses it
  --json                print {accessToken, expiresOn, expires_on, account, tenant}
  --decode              print what the token says (upn, oid, tid, aud, exp, expected
                        PostgreSQL user name, guest and tenant notes …), never the token
                        itself. A guest's token without a #EXT# upn shows the home address
                        as homeUpn: the role is the guest's #EXT# name in the server's tenant.
                        Pass a token on stdin (-), not as an argument: command lines are
                        visible to other local users (ps)

Examples:
  PGPASSWORD=$(pgentra token --account adm-alice@contoso.com) psql "host=srv.postgres.database.azure.com user=adm-alice@contoso.com dbname=postgres sslmode=require"
  pgentra token --account adm-alice@contoso.com --decode
  pbpaste | pgentra token --decode -`;

function credentialFrom(values: Record<string, unknown>, globalClientId: string | undefined): Credential {
  const v = values as Record<string, string | boolean | undefined>;
  const kinds = [bool(v['managed-identity']), bool(v['azure-cli']), str(v.account) !== undefined].filter(Boolean).length;
  if (kinds > 1) throw new PgEntraError('invalid_input', 'Choose one of --account, --managed-identity or --azure-cli.');
  let raw: unknown;
  if (bool(v['managed-identity'])) {
    if (str(v.tenant)) throw new PgEntraError('invalid_input', '--tenant does not apply to --managed-identity.');
    raw = {
      kind: 'managed-identity',
      ...(globalClientId ? { clientId: globalClientId } : {}),
      ...(str(v['object-id']) ? { objectId: str(v['object-id']) } : {}),
      ...(str(v['resource-id']) ? { resourceId: str(v['resource-id']) } : {}),
    };
  } else if (str(v['object-id']) || str(v['resource-id'])) {
    throw new PgEntraError('invalid_input', '--object-id and --resource-id need --managed-identity.');
  } else if (bool(v['azure-cli'])) {
    raw = { kind: 'azure-cli', ...(str(v.tenant) ? { tenant: str(v.tenant) } : {}) };
  } else if (str(v.account)) {
    raw = { kind: 'interactive', account: str(v.account), ...(str(v.tenant) ? { tenant: str(v.tenant) } : {}) };
  } else {
    throw new PgEntraError('invalid_input', 'Say which identity: --account UPN, --managed-identity or --azure-cli.', { hint: 'Signed-in accounts: pgentra accounts' });
  }
  const parsed = CredentialSchema.safeParse(raw);
  if (!parsed.success) throw new PgEntraError('invalid_input', parsed.error.issues.map((i) => `${i.path.join('.') || 'credential'}: ${i.message}`).join('; '));
  return parsed.data;
}

export const command: CommandDefinition = {
  name: 'token',
  summary: 'Print an access token for Azure PostgreSQL',
  help: HELP,
  allowPositionals: true,
  options: {
    account: { type: 'string' },
    tenant: { type: 'string' },
    'managed-identity': { type: 'boolean' },
    'object-id': { type: 'string' },
    'resource-id': { type: 'string' },
    'azure-cli': { type: 'boolean' },
    'min-validity': { type: 'string' },
    json: { type: 'boolean' },
    decode: { type: 'boolean' },
    fresh: { type: 'boolean' },
  },
  async run(ctx, { values, positionals }) {
    const decode = bool(values.decode);
    const json = bool(values.json);
    // Decoding a given token (argument or stdin) needs no credential at all.
    const noIdentity = !str(values.account) && !bool(values['managed-identity']) && !bool(values['azure-cli']);
    const given = positionals.length === 1 ? positionals[0] : undefined;
    // A positional is a saved profile (name or id) — except with --decode, where it may be the
    // token itself: then it counts as a profile only if one by that name exists.
    let profile: Profile | undefined;
    if (noIdentity && given && given !== '-' && !looksLikeJwt(given)) {
      const { openProfileStore } = await import('../../profiles/profileAccess.js');
      const store = openProfileStore(ctx.dataDir);
      profile = decode ? await store.find(given) : await store.get(given);
    }
    if (decode && noIdentity && !profile) {
      const { describeToken } = await import('../../auth/describeToken.js');
      const fromStdin = given === undefined || given === '-';
      if (!fromStdin && looksLikeJwt(given)) {
        // Still decode it (the token is already exposed), but say how to avoid that next time.
        ctx.stderr.write('pgentra token: warning: a token on the command line is visible to other local users (ps); pipe it instead: … | pgentra token --decode -\n');
      }
      const text = fromStdin ? readFileSync(0, 'utf8').trim() : given;
      if (!text) throw new PgEntraError('invalid_input', 'Give a token to decode (argument or stdin), or an identity (--account …).');
      ctx.stdout.write(formatFacts(describeToken(text), json));
      return EXIT.ok;
    }
    let credential: Credential;
    let cloud = ctx.global.cloud;
    if (profile) {
      // The profile says which identity and cloud; pgAdmin's password command relies on that.
      // The shared pre-flight: custom cloud consent, host policy, TLS mode — before any token exists.
      const { preflight } = await import('../../connect/preflight.js');
      cloud = preflight(profile, { dataDir: ctx.dataDir }).cloudRef;
      credential = profile.credential;
    } else {
      if (positionals.length > 0) throw new PgEntraError('invalid_input', `Unexpected argument "${positionals[0]}".`, { hint: 'See pgentra token --help.' });
      const isMi = bool(values['managed-identity']);
      credential = credentialFrom(values, isMi ? ctx.global.clientId : undefined);
    }
    // At least 5 minutes left unless asked otherwise: pgAdmin reuses the token (PasswordExecExpiration).
    let minValiditySeconds = TOKEN_COMMAND_MIN_VALIDITY_SECONDS;
    const mv = str(values['min-validity']);
    if (mv !== undefined) {
      minValiditySeconds = Number(mv);
      if (!Number.isInteger(minValiditySeconds) || minValiditySeconds < 0 || minValiditySeconds > 86_400)
        throw new PgEntraError('invalid_input', '--min-validity must be a whole number of seconds (0–86400).');
    }
    const broker = await ctx.services.broker();
    const fresh = bool(values.fresh) === true;
    const t = await broker.getTokenWithSource({ credential, cloud, signal: ctx.signal, minValiditySeconds, ...(fresh ? { fresh: true } : {}) });
    ctx.services.logger.debug('token ready', { source: t.source, expiresOn: t.expiresOn.toISOString() });
    if (decode) {
      const [{ describeToken }, { resolveCloud }] = await Promise.all([import('../../auth/describeToken.js'), import('../../base/cloudLoader.js')]);
      // A custom cloud may name the server's tenant: a token from another tenant gets a note.
      let serverTenantId: string | undefined;
      try {
        serverTenantId = resolveCloud(cloud).tenantId;
      } catch {
        serverTenantId = undefined;
      }
      ctx.stdout.write(formatFacts(describeToken(t.token, serverTenantId ? { serverTenantId } : {}), json));
      return EXIT.ok;
    }
    if (json) {
      ctx.stdout.write(
        JSON.stringify({ accessToken: t.token, expiresOn: t.expiresOn.toISOString(), expires_on: Math.floor(t.expiresOn.getTime() / 1000), account: t.account ?? null, tenant: t.tenantId ?? null }) +
          '\n',
      );
    } else {
      ctx.stdout.write(t.token + '\n');
    }
    return EXIT.ok;
  },
};

function looksLikeJwt(s: string): boolean {
  return /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(s);
}

function formatFacts(facts: object, json: boolean): string {
  if (json) return JSON.stringify(facts, null, 2) + '\n';
  const rows = Object.entries(facts).map(([k, v]) => {
    const shown = k === 'exp' && typeof v === 'number' ? `${v} (${new Date(v * 1000).toISOString()})` : Array.isArray(v) ? v.map(String).join(`\n${' '.repeat(17)}`) : String(v);
    return `${k.padEnd(17)}${shown}`;
  });
  return rows.join('\n') + '\n';
}
