// Token minting: v1 access tokens (what Entra issues for the ossrdbms resource), v2 id tokens,
// client_info, and deliberately broken tokens for negative tests. RS256 via node:crypto.
import { createHash, randomBytes, randomUUID, sign } from 'node:crypto';
import type { Directory } from '../types.js';
import type { Account, Principal } from './directory.js';
import type { SigningKey } from './keys.js';

type ManagedIdentity = Directory['managedIdentities'][number];
type ServicePrincipal = Directory['servicePrincipals'][number];

export type TokenSubject = { kind: 'user'; principal: Principal } | { kind: 'managedIdentity'; identity: ManagedIdentity } | { kind: 'servicePrincipal'; principal: ServicePrincipal };

export interface AccessTokenOptions {
  resource: string;
  /** Use `resource` verbatim as aud (test tokens with odd audiences). */
  exactAudience?: boolean;
  /** Client (application) id that asked for the token; ignored for app identities. */
  clientId: string;
  lifetimeSeconds: number;
  expired?: boolean;
  notYetValid?: boolean;
  tenantId?: string;
  tamper?: boolean;
  signWithForeignKey?: boolean;
  /** The optional claim include_externally_authenticated_upn: guests get their `#EXT#` upn. */
  includeExternalUpn?: boolean;
  /** Users: the sign-in did MFA (`amr` has "mfa"). Default true, the simulator's historical tokens. */
  mfa?: boolean;
  /** Users: the authentication contexts the sign-in met (`acrs`), e.g. ["p1"]. */
  acrs?: string[];
  /** Users: the delegated permissions (`scp`, space-separated). Default `user_impersonation`. */
  scp?: string;
}

export type Claims = Record<string, string | number | string[] | undefined>;

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function signJwt(payload: Claims, key: SigningKey): string {
  const header = { typ: 'JWT', alg: 'RS256', x5t: key.kid, kid: key.kid };
  const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${body}.${sign('sha256', Buffer.from(body), key.privateKey).toString('base64url')}`;
}

/** Entra's `uti`/`aio`-style opaque values: random base64url. */
const opaque = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** Entra's `rh` claim is opaque; any stable-looking value will do. */
const rh = (): string => `0.${opaque(48)}.`;

/** Always the HOME account, even for a guest's token: MSAL's homeAccountId is uid.utid. */
export function clientInfo(account: Account): string {
  return b64url(JSON.stringify({ uid: account.user.objectId, utid: account.home.id }));
}

/** Audience as Entra writes it in v1 tokens: the resource without trailing slash. */
export function normaliseResource(resource: string): string {
  return resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
}

export class TokenFactory {
  /** `membership`: a directory object's groups now (PIM activations that have propagated included). */
  constructor(
    private readonly directory: Directory,
    private readonly key: SigningKey,
    private readonly foreignKey: SigningKey,
    private readonly membership?: (objectId: string) => string[],
  ) {}

  get tenantId(): string {
    return this.directory.tenant.id;
  }

  issuerV1(tid = this.tenantId): string {
    return `https://sts.windows.net/${tid}/`;
  }

  /** Groups live in the resource tenant; objects elsewhere have none here. */
  groupsOf(objectId: string): string[] {
    return this.membership ? this.membership(objectId) : this.directory.groups.filter((g) => g.members.includes(objectId)).map((g) => g.objectId);
  }

  accessToken(subject: TokenSubject, opts: AccessTokenOptions): string {
    const now = nowSeconds();
    // A user's token is from the tenant of their principal; apps live in the resource tenant.
    const tid = opts.tenantId ?? (subject.kind === 'user' ? subject.principal.tenant.id : this.tenantId);
    let iat = now;
    let nbf = now;
    let exp = now + opts.lifetimeSeconds;
    if (opts.expired) {
      iat = now - 2 * 3600;
      nbf = iat;
      exp = now - 3600;
    }
    if (opts.notYetValid) {
      nbf = now + 3600;
      exp = nbf + opts.lifetimeSeconds;
    }
    const common: Claims = {
      aud: opts.exactAudience ? opts.resource : normaliseResource(opts.resource),
      iss: this.issuerV1(tid),
      iat,
      nbf,
      exp,
    };
    let claims: Claims;
    if (subject.kind === 'user') {
      const p = subject.principal;
      const home = p.account.user;
      const [given, ...family] = p.displayName.split(' ');
      const groups = p.tenant.id === this.tenantId ? this.groupsOf(p.objectId) : [];
      claims = {
        ...common,
        acr: '1',
        acrs: opts.acrs?.length ? opts.acrs : undefined,
        aio: opaque(40),
        // What the sign-in did: ARM's mandatory MFA and isMfa roles read it.
        amr: opts.mfa === false ? ['pwd'] : ['pwd', 'mfa'],
        appid: opts.clientId,
        appidacr: '0',
        family_name: family.join(' ') || undefined,
        given_name: given,
        groups: groups.length ? groups : undefined,
        // A guest: who authenticated them (their home tenant) and their home address. Entra adds
        // the #EXT# upn only with the optional claim include_externally_authenticated_upn.
        idp: p.guest ? this.issuerV1(p.account.home.id) : undefined,
        email: p.guest ? (home.mail ?? home.upn) : undefined,
        ipaddr: '127.0.0.1',
        name: p.displayName,
        oid: p.objectId,
        rh: rh(),
        scp: opts.scp ?? 'user_impersonation',
        sub: createHash('sha256').update(`${p.objectId}:${common.aud}`).digest('base64url').slice(0, 43),
        tid,
        unique_name: p.guest ? home.upn : p.upn,
        upn: p.guest && !opts.includeExternalUpn ? undefined : p.upn,
        uti: opaque(16),
        ver: '1.0',
        xms_tcdt: 1_600_000_000,
      };
    } else {
      const appid = subject.kind === 'managedIdentity' ? subject.identity.clientId : subject.principal.appId;
      const oid = subject.kind === 'managedIdentity' ? subject.identity.objectId : subject.principal.objectId;
      const groups = this.groupsOf(oid);
      claims = {
        ...common,
        aio: opaque(40),
        appid,
        appidacr: '2',
        groups: groups.length ? groups : undefined,
        idp: this.issuerV1(tid),
        idtyp: 'app',
        oid,
        rh: rh(),
        sub: oid,
        tid,
        uti: opaque(16),
        ver: '1.0',
        xms_mirid: subject.kind === 'managedIdentity' ? subject.identity.resourceId : undefined,
        xms_tcdt: 1_600_000_000,
      };
    }
    const token = signJwt(claims, opts.signWithForeignKey ? this.foreignKey : this.key);
    if (!opts.tamper) return token;
    // Change the payload after signing: the signature no longer matches.
    const [h, , s] = token.split('.');
    const tampered = { ...claims, oid: randomUUID(), upn: claims.upn === undefined ? undefined : `x${String(claims.upn)}` };
    return `${h}.${b64url(JSON.stringify(tampered))}.${s}`;
  }

  /** `origin`: the https://host[:port] the request came to, base of the v2 issuer. */
  idToken(p: Principal, clientId: string, nonce: string | undefined, origin: string, lifetimeSeconds = 3600): string {
    const now = nowSeconds();
    return signJwt(
      {
        aud: clientId,
        iss: `${origin}/${p.tenant.id}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + lifetimeSeconds,
        name: p.displayName,
        nonce,
        oid: p.objectId,
        // Guests sign in with their home address; their #EXT# UPN only lives in the resource tenant.
        preferred_username: p.account.user.upn,
        rh: rh(),
        sub: createHash('sha256').update(`${p.objectId}:${clientId}`).digest('base64url').slice(0, 43),
        tid: p.tenant.id,
        uti: opaque(16),
        ver: '2.0',
      },
      this.key,
    );
  }
}
