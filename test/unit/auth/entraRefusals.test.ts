// Entra's refusals as people see them: each code of the table gets its own error code, a message
// that says what happened and a hint with a way out; a Conditional Access block is never "cancelled"
// or "sign in again"; pgEntra's own cancel and a person's cancel in the browser are cancels; MSAL
// error shapes as msal-node 7.2.3 builds them (ServerError from the loopback form, InteractionRequired
// from the token endpoint).
import { describe, expect, it } from 'vitest';
import { REFUSALS, refusalFor } from '../../../electron/auth/entraRefusals.js';
import { claimsOf, mapMsalError } from '../../../electron/auth/msalErrors.js';
import { StepUpRequired, stepUpOf, withStepUp, type ClaimsChallenge } from '../../../electron/auth/stepUp.js';
import { PgEntraError } from '../../../shared/errors.js';

const ctx = { account: 'adm-alice@contoso.example', clientId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46' };
/** What MSAL throws for a token-endpoint refusal: the AADSTS text and its number. */
const tokenError = (code: number, error = 'invalid_grant', extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  errorCode: error,
  errorMessage: `AADSTS${code}: (text) Trace ID: 1 Correlation ID: 2 Timestamp: 2026-12-07 10:00:00Z`,
  errorNo: String(code),
  correlationId: '2',
  ...extra,
});
/** What MSAL throws for an error posted to its loopback (ServerError: no errorNo, the code is in the text). */
const postedBack = (error: string, description: string, subError = ''): Record<string, unknown> => ({ errorCode: error, errorMessage: description, subError, name: 'ServerError' });

describe('the refusal table', () => {
  it('every entry has an error code, a message and a way out', () => {
    for (const [code, r] of Object.entries(REFUSALS)) {
      expect(code).toMatch(/^AADSTS\d+$/);
      expect(r.message(ctx).length, code).toBeGreaterThan(20);
      expect(r.message(ctx), code).toContain(code);
      expect(r.hint(ctx).length, code).toBeGreaterThan(20);
    }
    expect(refusalFor('AADSTS1')).toBeUndefined();
  });

  it.each([
    [53003, 'access_blocked', /blocked by a Conditional Access policy/, /Entra administrator/],
    [53000, 'access_blocked', /compliant \(managed\) device/, /manages/],
    [53001, 'access_blocked', /domain-joined/, /domain-joined/],
    [530003, 'access_blocked', /device state/, /manages/],
    [530084, 'access_blocked', /token protection/, /Azure CLI credential/],
    [50105, 'app_not_permitted', /not assigned to the app 04b07795/, /pgentra settings set client-id\.public/],
    [65001, 'app_not_permitted', /consent is required/, /admin consent/],
    [700016, 'app_not_permitted', /does not exist in the tenant/, /client id/],
    [7000112, 'app_not_permitted', /disabled/, /enable it/],
    [50020, 'account_not_in_tenant', /does not exist in the tenant/, /guest/],
    [50076, 'mfa_required', /multi-factor authentication/, /pgentra login --account adm-alice@contoso\.example/],
    [50079, 'mfa_required', /register for multi-factor/, /pgentra login/],
  ] as const)('AADSTS%i → %s', (code, errorCode, message, hint) => {
    const e = mapMsalError(tokenError(code, code === 50076 || code === 50079 ? 'interaction_required' : 'invalid_grant'), ctx);
    expect(e.code).toBe(errorCode);
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.details).toMatchObject({ aadsts: `AADSTS${code}`, correlationId: '2', transient: false });
  });

  it('a step-up for Azure Resource Manager says so and signs in for that scope, not the database', () => {
    const e = mapMsalError(tokenError(50076, 'interaction_required'), { ...ctx, resourceName: 'Azure Resource Manager', scopeFlag: '--scope management' });
    expect(e.message).toContain('for Azure Resource Manager');
    expect(e.hint).toContain('pgentra login --account adm-alice@contoso.example --scope management');
  });
});

describe('cancel or refusal', () => {
  it('a compliant-device block posted back as access_denied (subcode cancel) is a block, not a cancel (Azure/azure-cli#30575)', () => {
    const e = mapMsalError(postedBack('access_denied', 'AADSTS53000: Device is not in required device state: compliant. Trace ID: 1', 'cancel'), ctx);
    expect(e.code).toBe('access_blocked');
    expect(e.message).toMatch(/compliant/);
  });

  it('access_denied naming a code outside the table is a refusal that points to the browser page', () => {
    const e = mapMsalError(postedBack('access_denied', 'AADSTS53999: something new', 'cancel'), ctx);
    expect(e.code).toBe('access_blocked');
    expect(e.hint).toMatch(/browser page shows the reason/);
  });

  it("a person's cancel on Entra's page (AADSTS65004) is a cancel; access_denied with no reason is not, since a policy block looks like that", () => {
    const declined = mapMsalError(postedBack('access_denied', 'AADSTS65004: User declined to consent to access the app.', 'cancel'), ctx);
    expect(declined.code).toBe('sign_in_cancelled');
    expect(declined.message).toMatch(/cancelled in the browser/);
    // What the compliant-device page's "back" posts: access_denied, error_subcode=cancel, no description.
    const silent = mapMsalError(postedBack('access_denied', ''), ctx);
    expect(silent.code).toBe('access_blocked');
    expect(silent.message).toMatch(/no reason.*Conditional Access.*compliant/);
    expect(silent.hint).toMatch(/If you closed or cancelled that page yourself, sign in again: pgentra login --account adm-alice@contoso\.example/);
  });

  it("pgEntra's own cancel is a cancel whatever Entra answered", () => {
    expect(mapMsalError(postedBack('access_denied', 'cancelled in pgEntra'), { ...ctx, cancelledHere: true })).toMatchObject({ code: 'sign_in_cancelled', message: 'Sign-in was cancelled.' });
    expect(mapMsalError({ errorCode: 'user_cancelled' }, ctx).code).toBe('sign_in_cancelled');
  });

  it('a failed metadata GET (endpoints_resolution_error) reports what the network client saw, e.g. a proxy asking for credentials', () => {
    const proxy = new PgEntraError('proxy_auth_required', 'The proxy http://proxy.contoso.example:3128 asks for a user name and password (HTTP 407).');
    expect(mapMsalError({ errorCode: 'endpoints_resolution_error' }, { recentNetworkFailure: () => proxy })).toBe(proxy);
    expect(mapMsalError({ errorCode: 'endpoints_resolution_error' }, { recentNetworkFailure: () => undefined }).code).toBe('network_unavailable');
  });

  it('the claims of a refusal are found on MSAL’s error or its cause', () => {
    const claims = '{"access_token":{"capolids":{"essential":true,"values":["x"]}}}';
    expect(claimsOf(tokenError(50076, 'interaction_required', { claims }))).toBe(claims);
    expect(claimsOf(new PgEntraError('mfa_required', 'x', { cause: tokenError(50076, 'interaction_required', { claims }) }))).toBe(claims);
    expect(claimsOf(tokenError(50076))).toBeUndefined();
  });
});

describe('step-up', () => {
  const challenge: ClaimsChallenge = { cloud: 'public', resource: 'management', credential: { kind: 'interactive', account: ctx.account }, account: ctx.account, claims: '{"access_token":{}}' };
  const refused = (): StepUpRequired => new StepUpRequired(new PgEntraError('mfa_required', 'MFA needed.', { hint: 'h' }), challenge);

  it('the error names the scope for the renderer and keeps the claims in the main process', () => {
    const payload = refused().toPayload();
    expect(payload).toMatchObject({ code: 'mfa_required', message: 'MFA needed.', details: { resource: 'management' } });
    expect(JSON.stringify(payload)).not.toContain('access_token');
    expect(stepUpOf(new Error('wrapped', { cause: refused() }))).toBe(challenge);
  });

  it('withStepUp: one step-up, one retry; a second challenge is the error (no loop); other errors pass untouched', async () => {
    let runs = 0;
    let stepUps = 0;
    await expect(
      withStepUp(
        async () => {
          runs++;
          if (runs === 1) throw refused();
          return 'done';
        },
        async () => void stepUps++,
      ),
    ).resolves.toBe('done');
    expect([runs, stepUps]).toEqual([2, 1]);

    runs = 0;
    stepUps = 0;
    await expect(
      withStepUp(
        async () => {
          runs++;
          throw refused();
        },
        async () => void stepUps++,
      ),
    ).rejects.toBeInstanceOf(StepUpRequired);
    expect([runs, stepUps]).toEqual([2, 1]);

    stepUps = 0;
    await expect(
      withStepUp(
        () => Promise.reject(new PgEntraError('azure_forbidden', 'no')),
        async () => void stepUps++,
      ),
    ).rejects.toMatchObject({ code: 'azure_forbidden' });
    expect(stepUps).toBe(0);
  });
});
