// ARM's claims challenge when the SDK could not answer it itself (its token cycler joins a renewal
// that runs without the claims): the 401 reads as "MFA required", not "another tenant", and its
// claims are recovered from WWW-Authenticate for the step-up.
import { RestError, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { armClaimsChallenge } from '../../../electron/azure/armChallenge.js';
import { mapArmError } from '../../../electron/azure/armErrors.js';

const CLAIMS = '{"access_token":{"acrs":{"essential":true,"values":["p1"]}}}';
const refused = (wwwAuthenticate: string, code = 'RequestDisallowedByAzure'): RestError => {
  const request = createPipelineRequest({ url: 'https://management.azure.com/x', method: 'PUT' });
  return new RestError('Resource was disallowed by Azure: … https://aka.ms/MFAforAzure.', {
    statusCode: 401,
    code,
    request,
    response: { status: 401, headers: createHttpHeaders({ 'www-authenticate': wwwAuthenticate }), request },
  });
};

describe('ARM claims challenge', () => {
  const challenge = `Bearer authorization_uri="https://login.windows.net/", error="insufficient_claims", claims="${Buffer.from(CLAIMS).toString('base64')}"`;

  it('the claims of an insufficient_claims 401, also through a PgEntraError cause', () => {
    expect(armClaimsChallenge(refused(challenge))).toBe(CLAIMS);
    expect(armClaimsChallenge(mapArmError(refused(challenge), { action: 'add the firewall rule' }))).toBe(CLAIMS);
  });

  it('not a challenge: an invalid_token 401, claims that are not base64 JSON, other statuses', () => {
    expect(armClaimsChallenge(refused('Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="expired"'))).toBeUndefined();
    expect(armClaimsChallenge(refused('Bearer error="insufficient_claims", claims="%%%"'))).toBeUndefined();
    expect(armClaimsChallenge(new Error('x'))).toBeUndefined();
  });

  it('the message says MFA and how to get it, not "another tenant"', () => {
    const e = mapArmError(refused(challenge), { action: 'add the firewall rule pgentra-1-2-3-4 to lockedserver', account: 'adm-alice@contoso.example' });
    expect(e.code).toBe('mfa_required');
    expect(e.message).toMatch(/^Azure requires multi-factor authentication .* to add the firewall rule pgentra-1-2-3-4 to lockedserver \(401 RequestDisallowedByAzure\)/);
    expect(e.hint).toContain('pgentra login --account adm-alice@contoso.example --scope management');
    const other = mapArmError(refused('Bearer error="invalid_token"', 'InvalidAuthenticationTokenTenant'), { action: 'list' });
    expect(other.code).toBe('azure_forbidden');
  });

  it('a challenge that does not ask for MFA (Continuous Access Evaluation) asks for a new sign-in, not MFA', () => {
    const cae = `Bearer error="insufficient_claims", claims="${Buffer.from('{"access_token":{"nbf":{"essential":true,"value":"1700000000"}}}').toString('base64')}"`;
    const e = mapArmError(refused(cae, 'InvalidAuthenticationToken'), { action: 'list the flexible servers' });
    expect(e.code).toBe('sign_in_required');
    expect(e.message).not.toMatch(/multi-factor/);
    expect(e.hint).toContain('--scope management');
  });
});
