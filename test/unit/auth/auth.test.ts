import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCloudFile, resolveCloud } from '../../../electron/base/cloudLoader.js';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { findCachedAccessToken } from '../../../electron/auth/msalCacheReader.js';
import { mapMsalError } from '../../../electron/auth/msalErrors.js';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { EXIT, exitCodeFor } from '../../../electron/cli/exitCodes.js';
import { createLogger } from '../../../electron/log/logger.js';
import { REDACTED, redact, redactError } from '../../../electron/log/redact.js';
import { dataDir } from '../../../electron/base/paths.js';
import { BUILTIN_CLOUDS, scopeFor } from '../../../shared/clouds.js';
import { ERROR_CODES, PgEntraError } from '../../../shared/errors.js';

const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (claims: object): string => `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64(claims)}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;

describe('describeToken', () => {
  it('user token: upn is the role name', () => {
    const f = describeToken(jwt({ upn: 'adm-alice@contoso.example', oid: 'o', tid: 't', aud: 'https://ossrdbms-aad.database.windows.net', exp: 100, groups: ['a', 'b'], appid: 'app', idtyp: 'user' }));
    expect(f).toMatchObject({ upn: 'adm-alice@contoso.example', expectedUsername: 'adm-alice@contoso.example', groupsCount: 2, exp: 100, kind: 'user' });
  });
  it('guest keeps #EXT#; unique_name fallback', () => {
    const f = describeToken(jwt({ unique_name: 'bob_fabrikam.example#EXT#@contoso.example', oid: 'o' }));
    expect(f.expectedUsername).toBe('bob_fabrikam.example#EXT#@contoso.example');
  });
  it('managed identity: name from xms_mirid', () => {
    const f = describeToken(
      jwt({
        oid: 'o',
        appid: '7ac1b52d-0cd2-4540-8b9e-cbd682c73d8c',
        idtyp: 'app',
        xms_mirid: '/subscriptions/s/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-reporting',
      }),
    );
    expect(f).toMatchObject({ expectedUsername: 'id-reporting', kind: 'managed-identity' });
  });
  it('app without identity name: appid', () => {
    expect(describeToken(jwt({ appid: 'abc', idtyp: 'app' })).expectedUsername).toBe('abc');
    // v2 user tokens carry preferred_username instead of upn: that is the role, never the app id.
    expect(describeToken(jwt({ preferred_username: 'adm-alice@contoso.example', azp: 'app', oid: 'o', ver: '2.0' }))).toMatchObject({
      kind: 'user',
      upn: 'adm-alice@contoso.example',
      expectedUsername: 'adm-alice@contoso.example',
    });
    // No groups claim: unknown (null), not zero.
    expect(describeToken(jwt({ upn: 'a@b.example', idtyp: 'user' })).groupsCount).toBeNull();
  });
  it('garbage → token_decode_failed', () => {
    expect(() => describeToken('nope')).toThrow(PgEntraError);
    expect(() => describeToken('a.!!!.c')).toThrow(/base64url/);
  });
});

describe('redaction', () => {
  const token = jwt({ upn: 'x@y', exp: 1 });
  it('removes JWTs, refresh tokens and secrets anywhere', () => {
    expect(redact(`Bearer ${token} and more`)).toBe(`Bearer ${REDACTED} and more`);
    expect(redact('refresh_token=0.AXoAabcdefghijklmnop&x=1')).toContain(`refresh_token=${REDACTED}`);
    expect(redact('{"secret":"0.AXoAabcdefghijklmnop"}')).toContain(REDACTED);
    expect(redact('x'.repeat(10) + ' ' + 'A'.repeat(200))).toBe(`xxxxxxxxxx ${REDACTED}`);
    expect(redact('{"code":"sign_in_required"}')).toBe('{"code":"sign_in_required"}');
  });
  it('redacts error messages, stacks and causes; logger never writes a token', () => {
    const e = new Error(`failed with ${token}`, { cause: new Error(`inner ${token}`) });
    expect(redactError(e)).not.toContain(token);
    const lines: string[] = [];
    const log = createLogger({ level: 'debug', sinks: [(l) => lines.push(l)] });
    log.error(`msg ${token}`, { error: e, nested: { t: token } });
    expect(lines.join('\n')).not.toContain(token);
    expect(lines).toHaveLength(1);
  });
});

describe('clouds', () => {
  it('built-ins and scope', () => {
    expect(scopeFor(BUILTIN_CLOUDS.public)).toBe('https://ossrdbms-aad.database.windows.net/.default');
    expect(resolveCloud('usgov').authorityHost).toBe('https://login.microsoftonline.us');
    expect(resolveCloud('china').postgresDomains).toEqual(['.postgres.database.chinacloudapi.cn']);
    expect(() => resolveCloud('mars')).toThrow(/Unknown cloud/);
  });
  it('custom cloud file validation names the field', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloud-'));
    const f = path.join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ authorityHost: 'http://x', resource: 'nope' }));
    expect(() => loadCloudFile(f)).toThrow(/authorityHost: must use https.*resource/);
    try {
      loadCloudFile(f);
    } catch (e) {
      expect((e as PgEntraError).code).toBe('cloud_file_invalid');
    }
    writeFileSync(f, '{not json');
    expect(() => loadCloudFile(f)).toThrow(/not valid JSON/);
    expect(() => loadCloudFile(path.join(dir, 'missing.json'))).toThrow(/Cannot read/);
    writeFileSync(f, JSON.stringify({ authorityHost: 'https://localhost:8443', resource: 'https://ossrdbms-aad.database.windows.net', caFile: 'ca.pem', extra: 1 }));
    const c = loadCloudFile(f);
    expect(c.knownAuthorities).toEqual(['localhost:8443']);
    expect(c.caFile).toBe(path.join(dir, 'ca.pem'));
  });
});

describe('paths', () => {
  it('PGENTRA_HOME wins; OS folders otherwise', () => {
    expect(dataDir({ PGENTRA_HOME: '/tmp/x' }, 'linux')).toBe('/tmp/x');
    expect(dataDir({ HOME: '/h' }, 'linux')).toBe('/h/.config/pgEntra');
    expect(dataDir({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/pgEntra');
    expect(dataDir({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Application Support/pgEntra');
    expect(dataDir({ APPDATA: 'C:\\A', HOME: '/h' }, 'win32')).toContain('pgEntra');
  });
});

describe('MSAL error mapping', () => {
  it('interaction_required / invalid_grant → sign_in_required; 50076 → mfa_required; network → network_unavailable', () => {
    expect(mapMsalError({ errorCode: 'invalid_grant', errorMessage: 'AADSTS70043: expired', errorNo: '70043' }, { account: 'a@b' })).toMatchObject({
      code: 'sign_in_required',
      details: { aadsts: 'AADSTS70043' },
    });
    expect(mapMsalError({ errorCode: 'interaction_required', errorMessage: 'AADSTS50076: mfa' }).code).toBe('mfa_required');
    expect(mapMsalError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code).toBe('network_unavailable');
    expect(mapMsalError({ errorCode: 'weird', errorMessage: 'x' }).code).toBe('sign_in_failed');
  });
});

describe('cache reader', () => {
  it('finds the access token of an account by UPN, client, realm and resource', () => {
    const cache = JSON.stringify({
      Account: { k: { home_account_id: 'h', environment: 'login.microsoftonline.com', realm: 't1', username: 'Adm@Contoso.com', local_account_id: 'o' } },
      AccessToken: {
        a: {
          home_account_id: 'h',
          environment: 'login.microsoftonline.com',
          credential_type: 'AccessToken',
          client_id: 'c',
          secret: 'TOKEN',
          realm: 't1',
          target: 'https://ossrdbms-aad.database.windows.net/.default',
          expires_on: '2000000000',
        },
        b: {
          home_account_id: 'h',
          environment: 'login.microsoftonline.com',
          credential_type: 'AccessToken',
          client_id: 'c',
          secret: 'GRAPH',
          realm: 't1',
          target: 'https://graph.microsoft.com/.default',
          expires_on: '2100000000',
        },
      },
    });
    const q = { clientId: 'c', environments: ['login.microsoftonline.com'], resource: 'https://ossrdbms-aad.database.windows.net', username: 'adm@contoso.com' };
    expect(findCachedAccessToken(cache, q)?.token).toBe('TOKEN');
    expect(findCachedAccessToken(cache, { ...q, clientId: 'other' })).toBeUndefined();
    expect(findCachedAccessToken('garbage', q)).toBeUndefined();
  });
});

describe('exit codes and CLI arguments', () => {
  it('every error code maps to a documented exit code', () => {
    const documented = new Set<number>(Object.values(EXIT));
    for (const c of ERROR_CODES) expect(documented.has(exitCodeFor(c))).toBe(true);
    expect(exitCodeFor('sign_in_required')).toBe(77);
    expect(exitCodeFor('keychain_unavailable')).toBe(69);
    expect(exitCodeFor('network_unavailable')).toBe(75);
  });

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-cli-'));
    try {
      const code = await runCli(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: { PGENTRA_HOME: home } });
      return { code, out, err };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  it('argument errors exit 64 with one line', async () => {
    for (const args of [
      ['token'],
      ['token', '--bogus'],
      ['token', '--account'],
      ['logout'],
      ['logout', '--all', '--account', 'x'],
      ['nope'],
      ['token', '--account', 'a', '--managed-identity'],
      ['token', '--managed-identity', '--client-id', 'not-a-guid'],
      ['token', '--object-id', '00000000-0000-0000-0000-000000000000'],
      ['token', '--account', 'a', '--min-validity', 'x'],
    ]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).toBe(EXIT.usage);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect((await cli([])).code).toBe(EXIT.usage);
  });

  it('--help for every command and the program', async () => {
    for (const c of ['login', 'accounts', 'logout', 'token']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/Usage:\s+pgentra/);
      expect(r.out).toMatch(/Exit codes/);
    }
    const h = await cli(['--help']);
    expect(h.out).toMatch(/64\s+bad arguments/);
    expect((await cli(['help', 'token'])).out).toMatch(/--azure-cli/);
  });

  it('token --decode of a given token prints facts, never the token', async () => {
    const t = jwt({ upn: 'a@b.c', exp: 1 });
    const r = await cli(['token', '--decode', t]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/expectedUsername\s+a@b\.c/);
    expect(r.out).not.toContain(t);
    expect((await cli(['token', '--decode', 'garbage'])).code).toBe(EXIT.dataError);
  });

  it('token --decode TOKEN still decodes but warns (one stderr line) that command lines are visible; help shows stdin', async () => {
    const t = jwt({ upn: 'a@b.c', exp: 1 });
    const r = await cli(['token', '--decode', t]);
    expect(r.code).toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/visible to other local users/);
    expect(r.err).toMatch(/--decode -/);
    expect(r.err).not.toContain(t);
    const help = (await cli(['token', '--help'])).out;
    expect(help).toContain('--decode -');
    expect(help).not.toMatch(/--decode \[?TOKEN/);
  });

  it('a bad cloud file exits 65', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'cloud-'));
    const f = path.join(dir, 'c.json');
    writeFileSync(f, '{}');
    const r = await cli(['token', '--account', 'a@b.c', '--cloud', f]);
    expect(r.code).toBe(EXIT.dataError);
    expect(r.err).toMatch(/authorityHost/);
  });
});
