// Lifetimes like Entra's: user access tokens 60–90 min (randomised) unless a lifetime is
// configured; a used refresh token stays redeemable for a grace period, then AADSTS700082.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, POSTGRES_RESOURCE } from '../types.js';
import { parseForms } from './browser.js';
import type { EntraSim } from './index.js';
import { decodeJwt, httpsText, startTestSim } from './support.js';

const REDIRECT = 'http://localhost:5999';
const scope = `${POSTGRES_RESOURCE}/.default openid offline_access`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
type TokenReply = { status: number; json: Record<string, unknown> };

describe('token lifetimes and refresh-token grace', () => {
  let sim: EntraSim;
  let ca: string;
  const tokenUrl = (): string => `${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/token`;
  const post = async (form: Record<string, string>): Promise<TokenReply> => {
    const r = await httpsText(tokenUrl(), ca, { form: { client_id: AZURE_CLI_CLIENT_ID, scope, ...form } });
    return { status: r.status, json: JSON.parse(r.body) as Record<string, unknown> };
  };
  /** Auth code + PKCE by hand (autoApprove answers /authorize with the form_post page). */
  const signIn = async (): Promise<Record<string, unknown>> => {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: AZURE_CLI_CLIENT_ID,
      redirect_uri: REDIRECT,
      response_type: 'code',
      response_mode: 'form_post',
      scope,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const page = await httpsText(`${sim.authorityHost}/${sim.tenantId}/oauth2/v2.0/authorize?${query.toString()}`, ca);
    const code = parseForms(page.body)[0]?.fields.code ?? '';
    const r = await post({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(r.status).toBe(200);
    return r.json;
  };
  const refresh = (token: unknown): Promise<TokenReply> => post({ grant_type: 'refresh_token', refresh_token: String(token) });

  beforeAll(async () => {
    const started = await startTestSim({ autoApprove: ACCOUNTS.primary });
    sim = started.sim;
    ca = started.tls.caCertPem;
  });
  afterAll(async () => {
    await sim?.close();
  });

  it('randomises user-token lifetimes between 60 and 90 minutes unless one is configured', async () => {
    const lifetimes = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const p = decodeJwt(sim.control.mintAccessToken({ upn: ACCOUNTS.primary })).payload;
      lifetimes.add(Number(p.exp) - Number(p.iat));
    }
    const t = await signIn();
    lifetimes.add(Number(t.expires_in));
    for (const l of lifetimes) {
      expect(l).toBeGreaterThanOrEqual(3600);
      expect(l).toBeLessThanOrEqual(5400);
    }
    expect(lifetimes.size).toBeGreaterThan(1);
    sim.control.setTokenLifetime(1234);
    try {
      const r = await refresh(t.refresh_token);
      expect(r.json).toMatchObject({ expires_in: 1234, ext_expires_in: 1234 });
      const p = decodeJwt(String(r.json.access_token)).payload;
      expect(Number(p.exp) - Number(p.iat)).toBe(1234);
    } finally {
      sim.control.setTokenLifetime(null);
    }
  });

  it('keeps a used refresh token redeemable during the grace period, then answers AADSTS700082', async () => {
    const first = (await signIn()).refresh_token;
    const a = await refresh(first);
    expect(a.status).toBe(200);
    // Rotation is not strict: the old token works again (e.g. a second process with a stale cache).
    const b = await refresh(first);
    expect(b.status).toBe(200);
    expect(b.json.refresh_token).not.toBe(a.json.refresh_token);

    sim.control.setRefreshTokenGrace(1);
    try {
      await sleep(1200);
      const late = await refresh(first);
      expect(late.status).toBe(400);
      expect(late.json).toMatchObject({ error: 'invalid_grant', error_codes: [700082], suberror: 'bad_token' });
      expect(String(late.json.error_description)).toMatch(/^AADSTS700082: .* Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      // The rotated one was never used: still fine.
      expect((await refresh(b.json.refresh_token)).status).toBe(200);
    } finally {
      sim.control.setRefreshTokenGrace(86_400);
    }
  });

  it('answers a revoked refresh token with AADSTS50173 (naming the grant and TokensValidFrom dates)', async () => {
    const rt = (await signIn()).refresh_token;
    sim.control.revokeRefreshTokens(ACCOUNTS.primary);
    const r = await refresh(rt);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ error: 'invalid_grant', error_codes: [50173], suberror: 'bad_token' });
    expect(String(r.json.error_description)).toMatch(
      /^AADSTS50173: The provided grant has expired due to it being revoked, .* issued on '\S+Z' and the TokensValidFrom date .* is '\S+Z'\. Trace ID: /,
    );
    const garbage = await refresh('not-a-token');
    expect(garbage.json).toMatchObject({ error: 'invalid_grant', error_codes: [9002313] });
  });
});
