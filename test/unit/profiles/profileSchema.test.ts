import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PROFILE_FIELD_LABELS,
  ProfileSchema,
  applyProfilePatch,
  checkProfilePolicy,
  isIPv6Literal,
  profileErrorsToError,
  validateProfile,
  validateProfileInput,
  type Profile,
  type ProfileFieldError,
  type ProfileValidationResult,
} from '../../../shared/profile.js';

const base = { name: 'Prod', host: 'srv.postgres.database.azure.com', username: 'db-admins' };

function errorsOf(r: ProfileValidationResult): ProfileFieldError[] {
  return r.ok ? [] : r.errors;
}
function mustOk(r: ProfileValidationResult): Profile {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.errors)}`);
  return r.profile;
}

describe('profile schema defaults', () => {
  it('fills every default and a fresh id and timestamps', () => {
    const now = new Date('2024-05-01T12:00:00.000Z');
    const p = mustOk(validateProfileInput(base, { now }));
    expect(p).toMatchObject({
      name: 'Prod',
      folder: '',
      port: 5432,
      database: 'postgres',
      cloud: 'public',
      sslmode: 'verify-full',
      applicationName: 'pgEntra',
      connectTimeoutSeconds: 15,
      confirmations: {},
      credential: { kind: 'interactive' },
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    expect(p.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.color).toBeUndefined();
    expect(ProfileSchema.safeParse(p).success).toBe(true);
    expect(mustOk(validateProfileInput(base)).id).not.toBe(p.id);
  });

  it('trims the name, lowercases the host, keeps the username exactly', () => {
    const p = mustOk(validateProfileInput({ ...base, name: '  Prod  ', host: ' SRV.Postgres.Database.Azure.com ', username: 'DB Admins (EU)' }));
    expect(p.name).toBe('Prod');
    expect(p.host).toBe('srv.postgres.database.azure.com');
    expect(p.username).toBe('DB Admins (EU)');
  });

  it('accepts guest UPNs, IPv4/IPv6 literals (confirmed), custom clouds and all optional fields', () => {
    mustOk(validateProfileInput({ ...base, username: 'alice_fabrikam.com#EXT#@contoso.onmicrosoft.com' }));
    mustOk(validateProfileInput({ ...base, host: '10.0.0.4', confirmations: { nonAzureHost: true } }));
    mustOk(validateProfileInput({ ...base, host: 'fe80::1', confirmations: { nonAzureHost: true } }));
    mustOk(validateProfileInput({ ...base, host: 'db.postgres.example.internal', cloud: { customFile: '/etc/pgentra/cloud.json' } }, { customDomains: ['postgres.example.internal'] }));
    mustOk(validateProfileInput({ ...base, color: '#1E90ff', notes: 'n'.repeat(2000), folder: 'EU/Prod', port: 6432, connectTimeoutSeconds: 300 }));
    mustOk(validateProfileInput({ ...base, credential: { kind: 'managed-identity', clientId: '00000000-0000-0000-0000-000000000000' } }));
  });
});

describe('invalid fields are rejected with a message naming the field', () => {
  const cases: [string, unknown, RegExp][] = [
    ['name', '', /Name: is required/],
    ['name', '   ', /Name: is required/],
    ['name', 'x'.repeat(101), /Name: must be at most 100/],
    ['name', 42, /Name: must be text/],
    ['folder', 'x'.repeat(101), /Folder/],
    ['host', '', /Host: is required/],
    ['host', 'https://srv.postgres.database.azure.com/', /Host: .*without "https:\/\/".*enter srv\.postgres\.database\.azure\.com/],
    ['host', 'postgres://me@srv.postgres.database.azure.com:5432/db', /Host: .*without "postgres:\/\/".*enter srv\.postgres\.database\.azure\.com/],
    ['host', 'srv.postgres.database.azure.com:5432', /Host: must not include a port: enter srv\.postgres\.database\.azure\.com and put 5432 in the Port field/],
    ['host', 'srv.postgres.database.azure.com/postgres', /Host: .*without a path/],
    ['host', 'me@srv.postgres.database.azure.com', /Host: must not include a user name/],
    ['host', '[::1]', /Host: .*without the square brackets/],
    ['host', 'my server', /Host: must not contain spaces/],
    ['host', 'bad_host!.com', /Host: must be a DNS name/],
    ['host', '999.1.1.1', /Host: must be a DNS name/],
    ['port', 0, /Port: must be a whole number from 1 to 65535/],
    ['port', 65536, /Port/],
    ['port', 54.32, /Port/],
    ['port', '5432', /Port/],
    ['database', '', /Database: is required/],
    ['database', ' postgres', /Database: must not start or end with spaces/],
    ['database', 'd'.repeat(64), /Database: must be at most 63 bytes/],
    ['username', '', /Username: is required/],
    ['username', ' db-admins', /Username: must not start or end with spaces/],
    ['username', 'db-admins\t', /Username/],
    ['username', 'u'.repeat(129), /Username: must be at most 128/],
    ['credential', { kind: 'password' }, /Credential/],
    ['credential', { kind: 'managed-identity', clientId: 'nope' }, /Credential \(clientId\): must be a GUID/],
    ['cloud', 'mars', /Cloud: must be "public", "usgov", "china"/],
    ['cloud', { customFile: 'relative/cloud.json' }, /Cloud \(customFile\): file must be an absolute path/],
    ['sslmode', 'disable', /SSL mode: "disable" is never allowed/],
    ['sslmode', 'prefer', /SSL mode: "prefer" is never allowed/],
    ['sslmode', 'allow', /SSL mode: "allow" is never allowed/],
    ['sslmode', 'verify_full', /SSL mode: must be verify-full/],
    ['applicationName', 'ünïcode', /Application name: must use plain ASCII/],
    ['applicationName', 'a'.repeat(64), /Application name/],
    ['connectTimeoutSeconds', 0, /Connect timeout: must be a whole number of seconds from 1 to 300/],
    ['connectTimeoutSeconds', 301, /Connect timeout/],
    ['color', 'red', /Color: must be a hex color/],
    ['notes', 'n'.repeat(2001), /Notes: must be at most 2000/],
    ['confirmations', { nonAzureHost: false }, /Confirmations \(nonAzureHost\)/],
    ['confirmations', { everything: true }, /Confirmations \(everything\)/],
  ];
  it.each(cases)('%s = %j', (field, value, message) => {
    const errs = errorsOf(validateProfileInput({ ...base, [field]: value }));
    expect(errs.length).toBeGreaterThan(0);
    expect(
      errs.some((e) => e.path.split('.')[0] === field && message.test(e.message)),
      JSON.stringify(errs),
    ).toBe(true);
  });

  it('reports every problem at once, not just the first', () => {
    const errs = errorsOf(validateProfileInput({ name: '', host: 'x:1', username: ' u', port: -1 }));
    expect(errs.map((e) => e.path).sort()).toEqual(['host', 'name', 'port', 'username']);
  });

  it('requires name, host and username', () => {
    const errs = errorsOf(validateProfileInput({}));
    expect(errs.map((e) => e.path).sort()).toEqual(['host', 'name', 'username']);
    expect(errs.every((e) => /is required/.test(e.message))).toBe(true);
  });

  it('refuses ids and timestamps in create input, and non-objects', () => {
    expect(errorsOf(validateProfileInput({ ...base, id: 'x' }))[0]?.path).toBe('id');
    expect(errorsOf(validateProfileInput('prod'))[0]?.message).toMatch(/Profile: must be an object/);
    expect(errorsOf(validateProfileInput(null))[0]?.path).toBe('');
  });
});

describe('secrets are never accepted', () => {
  it.each([['password'], ['Password'], ['accessToken'], ['token'], ['clientSecret'], ['pgpassword'], ['apiKey'], ['connectionString'], ['passwd']])('key %s', (key) => {
    const errs = errorsOf(validateProfileInput({ ...base, [key]: 'hunter2' }));
    expect(errs.some((e) => e.path === key && /never stores passwords, tokens or secrets/.test(e.message))).toBe(true);
  });
  it('also nested, e.g. in the credential', () => {
    const errs = errorsOf(validateProfileInput({ ...base, credential: { kind: 'interactive', refresh_token: 'x' } }));
    expect(errs.some((e) => e.path === 'credential.refresh_token' && /never stores/.test(e.message))).toBe(true);
  });
  it('and in a stored profile', () => {
    const p = mustOk(validateProfileInput(base));
    expect(validateProfile({ ...p, password: 'x' }).ok).toBe(false);
  });
  it('other unknown keys are refused too (strict)', () => {
    const errs = errorsOf(validateProfileInput({ ...base, sshTunnel: true }));
    expect(errs).toEqual([expect.objectContaining({ path: 'sshTunnel', message: expect.stringMatching(/not a known profile setting/) })]);
  });
});

describe('host policy', () => {
  it('a non-Azure host needs the nonAzureHost confirmation and explains token replay', () => {
    const errs = errorsOf(validateProfileInput({ ...base, host: 'db.example.com' }));
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatchObject({ path: 'host', code: 'confirmation_required' });
    expect(errs[0]?.message).toMatch(/replay/);
    expect(errs[0]?.message).toMatch(/every Azure PostgreSQL server you can reach/);
    mustOk(validateProfileInput({ ...base, host: 'db.example.com', confirmations: { nonAzureHost: true } }));
  });

  it('the domain must match the cloud, and must be a real suffix', () => {
    expect(errorsOf(validateProfileInput({ ...base, cloud: 'usgov' }))[0]?.code).toBe('confirmation_required');
    mustOk(validateProfileInput({ ...base, host: 'x.postgres.database.usgovcloudapi.net', cloud: 'usgov' }));
    mustOk(validateProfileInput({ ...base, host: 'x.postgres.database.chinacloudapi.cn', cloud: 'china' }));
    mustOk(validateProfileInput({ ...base, host: 'x.privatelink.postgres.database.azure.com' }));
    for (const host of ['postgres.database.azure.com', 'evilpostgres.database.azure.com', 'x.postgres.database.azure.com.evil.example', 'localhost', '127.0.0.1']) {
      expect(errorsOf(validateProfileInput({ ...base, host }))[0]?.code, host).toBe('confirmation_required');
    }
  });

  it('a custom cloud uses the domains passed in; unknown domains need confirmation', () => {
    const input = { ...base, host: 'db.pg.sovereign.example', cloud: { customFile: 'C:\\pgentra\\cloud.json' } };
    expect(errorsOf(validateProfileInput(input))[0]?.message).toMatch(/lists no PostgreSQL domains/);
    expect(errorsOf(validateProfileInput(input, { customDomains: ['.other.example'] }))[0]?.code).toBe('confirmation_required');
    mustOk(validateProfileInput(input, { customDomains: ['.pg.sovereign.example'] }));
  });

  it('weaker TLS needs the weakerTls confirmation', () => {
    for (const sslmode of ['verify-ca', 'require']) {
      const errs = errorsOf(validateProfileInput({ ...base, sslmode }));
      expect(errs).toEqual([expect.objectContaining({ path: 'sslmode', code: 'confirmation_required' })]);
      mustOk(validateProfileInput({ ...base, sslmode, confirmations: { weakerTls: true } }));
    }
  });

  it('confirmation errors show even when other fields fail, and map to the right error code', () => {
    const errs = errorsOf(validateProfileInput({ ...base, host: 'db.example.com', port: 0 }));
    expect(errs.map((e) => e.code).sort()).toEqual(['confirmation_required', 'invalid_input']);
    expect(profileErrorsToError(errs).code).toBe('invalid_input');
    expect(profileErrorsToError(errs.filter((e) => e.code === 'confirmation_required')).code).toBe('confirmation_required');
  });

  it('checkProfilePolicy re-checks a loaded profile', () => {
    const p = mustOk(validateProfileInput({ ...base, host: 'a.pg.example', cloud: { customFile: '/c.json' } }, { customDomains: ['pg.example'] }));
    expect(checkProfilePolicy(p, ['pg.example'])).toEqual([]);
    expect(checkProfilePolicy(p, [])).toHaveLength(1);
  });

  it('changing host, port, cloud or sslmode drops the confirmations bound to them unless re-confirmed', () => {
    const p = mustOk(validateProfileInput({ ...base, host: 'a.example.com', sslmode: 'require', confirmations: { nonAzureHost: true, weakerTls: true } }));
    // A confirmation is bound to host, port and cloud (and sslmode): another value needs a new one.
    expect(applyProfilePatch(p, { host: 'b.example.com' }).confirmations).toEqual({});
    expect(applyProfilePatch(p, { port: 6432 }).confirmations).toEqual({});
    expect(applyProfilePatch(p, { port: p.port }).confirmations).toEqual({ nonAzureHost: true, weakerTls: true });
    expect(applyProfilePatch(p, { sslmode: 'verify-ca' }).confirmations).toEqual({ nonAzureHost: true });
    expect(applyProfilePatch(p, { name: 'x' }).confirmations).toEqual({ nonAzureHost: true, weakerTls: true });
    expect(applyProfilePatch(p, { host: 'b.example.com', confirmations: { nonAzureHost: true } }).confirmations).toEqual({ nonAzureHost: true });
    expect('color' in applyProfilePatch({ ...p, color: '#000000' }, { color: undefined })).toBe(false);
  });
});

describe('IPv6 literal parsing', () => {
  it.each(['::', '::1', 'fe80::1', '2001:db8::8a2e:370:7334', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', '64:ff9b::1.2.3.4'])('accepts %s', (s) => expect(isIPv6Literal(s)).toBe(true));
  it.each(['1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3', 'fe80::1%eth0'])('rejects %s', (s) => expect(isIPv6Literal(s)).toBe(false));
});

// eslint-disable-next-line no-control-regex
const hasControl = (s: string): boolean => /[\u0000-\u001f\u007f]/.test(s);

describe('fuzzing every field (fast-check)', () => {
  const fields = Object.keys(PROFILE_FIELD_LABELS).filter((f) => !['id', 'createdAt', 'updatedAt'].includes(f));
  const anyValue = fc.oneof(
    fc.anything({ maxDepth: 3 }),
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.double(),
    fc.integer(),
    fc.constantFrom('', ' ', 'https://x', 'x:1', '::1', 'verify-full', 'disable', 'public', '#zzzzzz', '\u0000', 'a'.repeat(5000)),
    fc.dictionary(fc.constantFrom('kind', 'customFile', 'nonAzureHost', 'password', 'token', 'x'), fc.anything({ maxDepth: 1 })),
  );

  function assertShape(r: ProfileValidationResult): void {
    if (r.ok) {
      expect(ProfileSchema.safeParse(r.profile).success).toBe(true);
      return;
    }
    expect(r.errors.length).toBeGreaterThan(0);
    for (const e of r.errors) {
      expect(typeof e.path).toBe('string');
      expect(typeof e.message).toBe('string');
      expect(e.message.length).toBeGreaterThan(5);
      expect(['invalid_input', 'confirmation_required']).toContain(e.code);
    }
  }

  for (const field of fields) {
    it(`${field}: never throws; errors name the field`, () => {
      fc.assert(
        fc.property(anyValue, (value) => {
          const r = validateProfileInput({ ...base, [field]: value });
          assertShape(r);
          if (!r.ok) {
            // Changing cloud/confirmations/sslmode can make the (valid) host or sslmode need a confirmation.
            const allowed = new Set([field, 'host', 'sslmode']);
            for (const e of r.errors) {
              const top = e.path.split('.')[0] ?? '';
              expect(allowed.has(top), `${field}=${JSON.stringify(value)} → ${JSON.stringify(e)}`).toBe(true);
              const label = PROFILE_FIELD_LABELS[top] ?? top;
              expect(e.message.startsWith(label) || e.message.startsWith(e.path)).toBe(true);
            }
          }
        }),
        { numRuns: 300 },
      );
    });
  }

  it('whole arbitrary inputs never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 4 }), fc.dictionary(fc.constantFrom(...fields, 'id', 'password', '__proto__', 'constructor'), fc.anything({ maxDepth: 2 }))), (value) => {
        assertShape(validateProfileInput(value));
        assertShape(validateProfile(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('valid inputs from generators round-trip through the stored schema', () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
    fc.assert(
      fc.property(
        label,
        fc.integer({ min: 1, max: 65535 }),
        fc.string({ minLength: 1, maxLength: 100 }).filter((s) => s.trim().length > 0 && !hasControl(s)),
        fc.string({ minLength: 1, maxLength: 128 }).filter((s) => s.trim() === s && !hasControl(s)),
        (server, port, name, username) => {
          const p = mustOk(validateProfileInput({ name, host: `${server}.postgres.database.azure.com`, port, username }));
          expect(p.username).toBe(username);
          expect(mustOk(validateProfile(JSON.parse(JSON.stringify(p))))).toEqual(p);
        },
      ),
      { numRuns: 300 },
    );
  });
});
