import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { cancelRequestPacket } from '../../../electron/sessions/cancelRequest.js';
import { mapConnectError, mapQueryError } from '../../../electron/sessions/errors.js';
import { buildSslOptions, trustContext } from '../../../electron/base/tls.js';

// Any valid certificate works as an extra CA here: take one of the system roots.
const CA_PEM = rootCertificates[0] ?? '';

const ctx = { host: 'srv.postgres.database.azure.com', port: 5432, username: 'db-admins', account: 'alice@contoso.example', sslmode: 'verify-full' };

function dbError(message: string, code = '28P01', extra: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL', ...extra });
}

describe('buildSslOptions', () => {
  it('verify-full verifies chain and host against the system roots (+ a custom CA)', () => {
    const o = buildSslOptions({ sslmode: 'verify-full', host: 'srv.postgres.database.azure.com', weakerTlsConfirmed: false });
    expect(o.rejectUnauthorized).toBe(true);
    expect(o.servername).toBe('srv.postgres.database.azure.com');
    expect(o.checkServerIdentity).toBeUndefined();
    expect(o.secureContext).toBe(trustContext());
    expect(rootCertificates.length).toBeGreaterThan(100);
    const custom = buildSslOptions({ sslmode: 'verify-full', host: '127.0.0.1', weakerTlsConfirmed: false, extraCaPem: CA_PEM });
    expect(custom.secureContext).toBe(trustContext(CA_PEM));
    expect(custom.secureContext).not.toBe(o.secureContext);
    expect(custom.servername).toBeUndefined(); // no SNI for IP addresses
  });
  it('verify-ca skips only the host name check; require needs confirmation', () => {
    const ca = buildSslOptions({ sslmode: 'verify-ca', host: 'h', weakerTlsConfirmed: true });
    expect(ca.rejectUnauthorized).toBe(true);
    expect(ca.checkServerIdentity?.('h', {} as never)).toBeUndefined();
    expect(buildSslOptions({ sslmode: 'require', host: 'h', weakerTlsConfirmed: true }).rejectUnauthorized).toBe(false);
    expect(() => buildSslOptions({ sslmode: 'require', host: 'h', weakerTlsConfirmed: false })).toThrow(expect.objectContaining({ code: 'confirmation_required' }));
    expect(() => buildSslOptions({ sslmode: 'verify-ca', host: 'h', weakerTlsConfirmed: false })).toThrow();
  });
});

describe('mapConnectError', () => {
  it('maps the server texts seen from Azure', () => {
    expect(mapConnectError(dbError('The access token has expired. Acquire a new token and try again.'), ctx).code).toBe('token_expired');
    const aud = mapConnectError(dbError('The access token does not have a valid audience claim. Please acquire a new token for the resource "https://ossrdbms-aad.database.windows.net".'), ctx);
    expect(aud.code).toBe('token_wrong_audience');
    expect(aud.message).toMatch(/check the profile's cloud/);
    const role = mapConnectError(dbError('password authentication failed for user "db-admins"'), ctx);
    expect(role.code).toBe('role_not_found_or_not_member');
    expect(role.message).toMatch(/^Account alice@contoso.example is not a member of group db-admins, or the role db-admins does not exist/);
    expect(mapConnectError(dbError("The access token doesn't have a valid oid claim. Acquire a new token and try again"), ctx).code).toBe('token_invalid');
  });
  it('maps TLS and network failures', () => {
    const tls = mapConnectError(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), ctx);
    expect(tls.code).toBe('tls_verification_failed');
    expect(mapConnectError(Object.assign(new Error('Hostname/IP does not match'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), ctx).code).toBe('tls_verification_failed');
    for (const code of ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT']) {
      const e = mapConnectError(Object.assign(new Error(code), { code }), ctx);
      expect(e.code).toBe('server_unreachable');
      expect(e.message).toContain('srv.postgres.database.azure.com:5432');
    }
    expect(mapConnectError(new Error('Connection terminated due to connection timeout'), ctx).code).toBe('server_unreachable');
  });
});

describe('mapQueryError', () => {
  it('keeps SQLSTATE, position and hint; 57014 is a cancel', () => {
    const e = mapQueryError(dbError('column "x" does not exist', '42703', { position: '8', hint: 'Perhaps you meant "y".' }), ctx);
    expect(e.code).toBe('query_failed');
    expect(e.details).toMatchObject({ sqlstate: '42703', position: 8, hint: 'Perhaps you meant "y".' });
    expect(mapQueryError(dbError('canceling statement due to user request', '57014'), ctx).code).toBe('query_cancelled');
    expect(mapQueryError(new Error('Connection terminated unexpectedly'), ctx).code).toBe('server_unreachable');
  });
});

describe('cancelRequestPacket', () => {
  it('is the 16-byte CancelRequest', () => {
    const b = cancelRequestPacket({ processId: 1234, secretKey: -5 });
    expect([...b.subarray(0, 8)]).toEqual([0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e]);
    expect(b.readInt32BE(8)).toBe(1234);
    expect(b.readInt32BE(12)).toBe(-5);
  });
});
