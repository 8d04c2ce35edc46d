// Device code flow: approval through the control API and through the HTML verification page.
import { PublicClientApplication, type DeviceCodeRequest } from '@azure/msal-node';

type DeviceCodeResponse = Parameters<DeviceCodeRequest['deviceCodeCallback']>[0];
import { describe, expect, it } from 'vitest';
import { ACCOUNTS, loadDirectory, POSTGRES_RESOURCE } from '../types.js';
import { msalClientFor, decodeJwt, useTestSim } from './support.js';

const scopes = [`${POSTGRES_RESOURCE}/.default`];
const guestOid = loadDirectory().users.find((u) => u.upn === ACCOUNTS.guest)?.objectId;

describe('device code', () => {
  const entra = useTestSim();
  const pca = (): PublicClientApplication => msalClientFor(entra.sim, entra.ca);

  it('approves through the control API after a pending poll', async () => {
    let info: DeviceCodeResponse | undefined;
    const result = await pca().acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (r) => {
        info = r;
        // Approve after MSAL has polled at least once and been told to wait.
        setTimeout(() => entra.sim.control.approveDeviceCode(r.userCode, ACCOUNTS.secondary), 300);
      },
    });
    expect(info?.verificationUri).toBe(`${entra.sim.authorityHost}/devicelogin`);
    expect(info?.message).toContain(info?.userCode ?? 'x');
    expect(result?.account?.username).toBe(ACCOUNTS.secondary);
    expect(decodeJwt(result?.accessToken ?? '').payload.upn).toBe(ACCOUNTS.secondary);
    expect(entra.sim.control.requestCount('token:device_code')).toBeGreaterThanOrEqual(2);
  });

  it('approves through the HTML verification page', async () => {
    const result = await pca().acquireTokenByDeviceCode({
      scopes,
      deviceCodeCallback: (r) => {
        void postForm(r.verificationUri, entra.ca, { otc: r.userCode.toLowerCase(), upn: ACCOUNTS.guest }).then((html) => {
          expect(html).toContain('You have signed in to the Microsoft Azure CLI application');
        });
      },
    });
    const p = decodeJwt(result?.accessToken ?? '').payload;
    // The app asked for the resource tenant: a token for the guest object, without the #EXT# upn.
    expect(p).toMatchObject({ tid: entra.sim.tenantId, oid: guestOid, unique_name: ACCOUNTS.guestHome });
    expect(p.upn).toBeUndefined();
    // Guests sign in with their home address (id token preferred_username).
    expect(result?.account?.username).toBe(ACCOUNTS.guestHome);
  });

  it('reports a declined request as authorization_declined (MSAL wraps it in post_request_failed)', async () => {
    const err: unknown = await pca()
      .acquireTokenByDeviceCode({
        scopes,
        deviceCodeCallback: (r) => void postForm(r.verificationUri, entra.ca, { otc: r.userCode, decline: '1' }),
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ errorCode: 'post_request_failed' });
    expect(String((err as Error).message)).toContain('authorization_declined');
  });
});

async function postForm(url: string, ca: string, form: Record<string, string>): Promise<string> {
  const { request } = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}
