// A TokenProvider for session tests, backed by the Entra simulator's mint endpoint (the real
// broker is wired in by the composition root). Counts calls and records each request's options.
import type { Credential } from '../../../shared/credential.js';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import type { EntraSim, MintOptions } from '../../sim/entra/index.js';

export const DEFAULT_UPN = 'adm-alice@contoso.example';

export class SimTokenProvider implements TokenProvider {
  readonly requests: Array<Omit<TokenRequest, 'credential' | 'signal'> & { kind: Credential['kind'] }> = [];
  lifetimeSeconds = 3600;
  /** Options for the next minted tokens, consumed one per call (e.g. an expired token first). */
  readonly nextMints: MintOptions[] = [];

  constructor(private readonly entra: EntraSim) {}

  get calls(): number {
    return this.requests.length;
  }

  async getToken(req: TokenRequest): Promise<AccessToken> {
    this.requests.push({ kind: req.credential.kind, cloud: req.cloud, ...(req.minValiditySeconds !== undefined ? { minValiditySeconds: req.minValiditySeconds } : {}) });
    const c = req.credential;
    const subject = c.kind === 'managed-identity' ? { managedIdentity: c.clientId ?? c.objectId ?? c.resourceId ?? 'vm-app-01' } : { upn: ('account' in c && c.account) || DEFAULT_UPN };
    const opts: MintOptions = { lifetimeSeconds: this.lifetimeSeconds, ...this.nextMints.shift() };
    const token = this.entra.control.mintAccessToken(subject, opts);
    const lifetime = opts.expired ? -60 : (opts.lifetimeSeconds ?? this.lifetimeSeconds);
    return { token, expiresOn: new Date(Date.now() + lifetime * 1000), account: 'upn' in subject ? subject.upn : subject.managedIdentity };
  }
}
