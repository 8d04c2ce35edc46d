// Discovery documents and token shapes: what the flexible-server simulator will verify.
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import { completeSignInHeadless, type EntraSim } from './index.js';
import { msalClientFor, decodeJwt, startTestSim } from './support.js';

const dir = loadDirectory();

function getJson(url: string, ca: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { ca, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(body) as Record<string, unknown> }));
    })
      .on('error', reject)
      .end();
  });
}

describe('discovery and tokens', () => {
  let sim: EntraSim;
  let ca: string;
  beforeAll(async () => {
    const started = await startTestSim({ autoApprove: ACCOUNTS.secondary });
    sim = started.sim;
    ca = started.tls.caCertPem;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('serves tenant, domain and alias OpenID configurations MSAL accepts', async () => {
    for (const tenant of [sim.tenantId, dir.tenant.domain, 'organizations', 'common']) {
      const { status, json } = await getJson(`${sim.authorityHost}/${tenant}/v2.0/.well-known/openid-configuration`, ca);
      expect(status).toBe(200);
      expect(new URL(String(json.issuer)).host).toBe(sim.knownAuthorities[0]);
      const expectedTenant = tenant === 'organizations' || tenant === 'common' ? tenant : sim.tenantId;
      expect(json.token_endpoint).toBe(`${sim.authorityHost}/${expectedTenant}/oauth2/v2.0/token`);
      const app = msalClientFor(sim, ca, { tenant });
      const r = await app.acquireTokenInteractive({ scopes: [`${POSTGRES_RESOURCE}/.default`], openBrowser: async (url) => void (await completeSignInHeadless(url, { caCertPem: ca })) });
      expect(r.tenantId).toBe(sim.tenantId);
    }
    const v1 = await getJson(`${sim.authorityHost}/${sim.tenantId}/.well-known/openid-configuration`, ca);
    expect(v1.json.issuer).toBe(sim.issuerV1);
    expect((await getJson(`${sim.authorityHost}/consumers/v2.0/.well-known/openid-configuration`, ca)).status).toBe(400);
  });

  it('signs tokens with a JWKS key; tampered and foreign-key tokens fail verification', async () => {
    const { json } = await getJson(sim.jwksUri, ca);
    const keys = json.keys as (JsonWebKey & { kid: string; x5c: string[] })[];
    const check = (token: string): boolean => {
      const [h, p, s] = token.split('.');
      const kid = decodeJwt(token).header.kid;
      const jwk = keys.find((k) => k.kid === kid);
      if (!jwk || !h || !p || !s) return false;
      return verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
    };
    expect(keys).toHaveLength(1);
    expect(keys[0]?.x5c[0]).toBeTruthy();
    const good = sim.control.mintAccessToken({ upn: ACCOUNTS.secondary });
    expect(check(good)).toBe(true);
    expect(check(sim.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { tamper: true }))).toBe(false);
    expect(check(sim.control.mintAccessToken({ upn: ACCOUNTS.secondary }, { signWithForeignKey: true }))).toBe(false);
    const now = Date.now() / 1000;
    expect(Number(decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.primary }, { expired: true })).payload.exp)).toBeLessThan(now);
    expect(Number(decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.primary }, { notYetValid: true })).payload.nbf)).toBeGreaterThan(now);
    expect(decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.primary }, { audience: `${POSTGRES_RESOURCE}/` })).payload.aud).toBe(`${POSTGRES_RESOURCE}/`);
    const other = '00000000-1111-2222-3333-444444444444';
    expect(decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.primary }, { tenantId: other })).payload).toMatchObject({ tid: other, iss: `https://sts.windows.net/${other}/` });
  });

  it('mints the v1 claim sets for users, managed identities and service principals', () => {
    const user = decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.secondary })).payload;
    const u = dir.users.find((x) => x.upn === ACCOUNTS.secondary);
    expect(user).toMatchObject({
      aud: POSTGRES_RESOURCE,
      iss: sim.issuerV1,
      tid: sim.tenantId,
      oid: u?.objectId,
      upn: ACCOUNTS.secondary,
      unique_name: ACCOUNTS.secondary,
      ver: '1.0',
      scp: 'user_impersonation',
      name: u?.displayName,
    });
    expect(user.amr).toEqual(['pwd', 'mfa']);
    for (const c of ['iat', 'nbf', 'exp', 'sub', 'appid', 'groups']) expect(user[c]).toBeDefined();
    const sp = dir.servicePrincipals[0];
    const spToken = decodeJwt(sim.control.mintAccessToken({ servicePrincipal: ACCOUNTS.servicePrincipal })).payload;
    expect(spToken).toMatchObject({ appid: sp?.appId, oid: sp?.objectId, idtyp: 'app' });
    expect(spToken.upn).toBeUndefined();
    const mi = decodeJwt(sim.control.mintAccessToken({ managedIdentity: ACCOUNTS.userIdentity })).payload;
    expect(mi.xms_mirid).toMatch(/userAssignedIdentities\/id-reporting$/);
    expect(() => sim.control.mintAccessToken({ upn: 'nobody@contoso.example' })).toThrow();
  });
});
