import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { locateCli } from '../../../electron/interop/cliLocation.js';
import { buildPgAdminExport, serializePgAdminExport } from '../../../electron/interop/pgadminExport.js';
import { parsePgAdminFile, planPgAdminImport } from '../../../electron/interop/pgadminImport.js';
import { buildPgServiceConf, serviceNameFor } from '../../../electron/interop/pgService.js';
import { ProfileStore } from '../../../electron/profiles/profileStore.js';
import { isPgEntraError } from '../../../shared/errors.js';
import { validateProfileInput, type Profile, type ProfileInput } from '../../../shared/profile.js';
import { pgadminLoaderError } from './pgadminLoader.js';

function profile(input: Partial<ProfileInput> & { name: string }): Profile {
  const r = validateProfileInput({ host: `${input.name.toLowerCase().replace(/[^a-z0-9]/g, '')}.postgres.database.azure.com`, username: 'db-admins', ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

const JWT = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/;
const launcher = ['/opt/pgEntra/pgentra'];
const sample = (): Profile[] => [
  profile({ name: 'Prod EU', folder: 'Production', notes: 'primary', color: '#1e90ff', credential: { kind: 'interactive', account: 'adm-alice@contoso.com' } }),
  profile({ name: 'Dev', port: 6432, database: 'app', sslmode: 'require', confirmations: { weakerTls: true }, connectTimeoutSeconds: 7 }),
  profile({ name: 'Sim', host: 'localhost', cloud: { customFile: '/etc/pgentra/sim cloud.json' }, confirmations: { nonAzureHost: true } }),
];
const roots = (p: Profile): string => (typeof p.cloud === 'string' ? '/home/a/.config/pgEntra/certs/system-roots.pem' : '/etc/pgentra/ca.pem');

describe('pgAdmin export', () => {
  it('passes pgAdmin loader checks and has the documented shape', () => {
    const list = sample();
    // No passwordExecExpiration: the default, 240 s (pgentra token guarantees 300 s).
    const file = buildPgAdminExport(list, { os: 'linux', launcher, sslRootCertFor: roots });
    const json: unknown = JSON.parse(serializePgAdminExport(file));
    expect(pgadminLoaderError(json)).toBeUndefined();
    const [a, b, c] = list;
    expect(file.Servers['1']).toEqual({
      Name: 'Prod EU',
      Group: 'Production',
      Host: 'prodeu.postgres.database.azure.com',
      Port: 5432,
      MaintenanceDB: 'postgres',
      Username: 'db-admins',
      ConnectionParameters: { sslmode: 'verify-full', sslrootcert: '/home/a/.config/pgEntra/certs/system-roots.pem', connect_timeout: 15 },
      PasswordExecCommand: `/opt/pgEntra/pgentra token ${a?.id}`,
      PasswordExecExpiration: 240,
      Comment: 'primary',
      BGColor: '#1e90ff',
    });
    expect(file.Servers['2']).toMatchObject({ Group: 'pgEntra', Port: 6432, MaintenanceDB: 'app', ConnectionParameters: { sslmode: 'require', connect_timeout: 7 } });
    expect(file.Servers['2']?.PasswordExecCommand).toBe(`/opt/pgEntra/pgentra token ${b?.id}`);
    expect(file.Servers['3']?.PasswordExecCommand).toBe(`/opt/pgEntra/pgentra token ${c?.id} --cloud '/etc/pgentra/sim cloud.json'`);
    expect(file.Servers['3']?.ConnectionParameters.sslrootcert).toBe('/etc/pgentra/ca.pem');
    expect(Object.values(file.Servers).map((s) => s.PasswordExecExpiration)).toEqual([240, 240, 240]);
    // An explicit value (0: run the command for every connection) still wins.
    expect(buildPgAdminExport(list, { os: 'linux', launcher, passwordExecExpiration: 0, sslRootCertFor: roots }).Servers['1']?.PasswordExecExpiration).toBe(0);
  });

  it('the loader mirror rejects what pgAdmin rejects', () => {
    expect(pgadminLoaderError({})).toMatch(/Servers/);
    expect(pgadminLoaderError({ Servers: { 1: { Name: 'a', Group: 'g', Port: '5432', Username: 'u', MaintenanceDB: 'p', Host: 'h' } } })).toMatch(/Port must be integer/);
    expect(pgadminLoaderError({ Servers: { 1: { Name: 'a', Group: 'g', Port: 1, MaintenanceDB: 'p', Host: 'h' } } })).toMatch(/Username/);
    expect(pgadminLoaderError({ Servers: { 1: { Name: 'a', Group: 'g', Service: 's', MaintenanceDB: 'p' } } })).toBeUndefined();
    expect(pgadminLoaderError({ Servers: { 1: { Name: 'a', Group: 'g', Port: 1, Username: 'u', MaintenanceDB: 'p' } } })).toMatch(/Host/);
  });

  it('never contains a token, for any profile data', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sample()), fc.constantFrom<'linux' | 'macos' | 'windows'>('linux', 'macos', 'windows'), fc.nat({ max: 3600 }), (p, osName, exp) => {
        const text = serializePgAdminExport(
          buildPgAdminExport([p], { os: osName, launcher: osName === 'windows' ? ['C:\\Program Files\\pgEntra\\pgentra.cmd'] : launcher, passwordExecExpiration: exp, sslRootCertFor: roots }),
        );
        expect(text).not.toMatch(JWT);
        expect(text).not.toMatch(/"(Password|SavePassword|PassFile)"/);
      }),
    );
  });

  it('Windows: the installed pgentra.cmd, quoted for cmd.exe', () => {
    const loc = locateCli({ os: 'windows', execPath: 'C:\\Program Files\\pgEntra\\pgEntra.exe', packaged: true, resourcesPath: 'C:\\Program Files\\pgEntra\\resources', exists: () => true });
    const [a] = sample();
    const file = buildPgAdminExport([a as Profile], { os: 'windows', launcher: loc.argv, passwordExecExpiration: 0, sslRootCertFor: () => 'C:\\x\\roots.pem' });
    expect(file.Servers['1']?.PasswordExecCommand).toBe(`"C:\\Program Files\\pgEntra\\resources\\bin\\pgentra.cmd" ^^^"token^^^" ^^^"${a?.id}^^^"`);
  });

  it('round trip: export → import gives the same connection settings', async () => {
    const originals = sample().slice(0, 2);
    const text = serializePgAdminExport(buildPgAdminExport(originals, { os: 'linux', launcher, passwordExecExpiration: 0, sslRootCertFor: roots }));
    const plan = planPgAdminImport(text, { cloud: 'public', allowNonAzureHost: false, allowWeakerTls: true });
    expect(plan.rejected).toEqual([]);
    const back = plan.profiles.map((p) => {
      const r = validateProfileInput(p.input);
      if (!r.ok) throw new Error(JSON.stringify(r.errors));
      return r.profile;
    });
    const key = (p: Profile) => ({
      name: p.name,
      folder: p.folder,
      host: p.host,
      port: p.port,
      database: p.database,
      username: p.username,
      sslmode: p.sslmode,
      connectTimeoutSeconds: p.connectTimeoutSeconds,
      notes: p.notes,
      color: p.color,
    });
    expect(back.map(key)).toEqual(originals.map(key));
    // Our own password command is regenerated, not reported as foreign.
    expect(plan.profiles.flatMap((p) => p.notes).filter((n) => /PasswordExec/.test(n))).toEqual([]);
  });
});

// A pgAdmin 8 export as people have them: groups, SSL params, a tunnel, a shared server, Kerberos, a service.
const REAL = {
  Servers: {
    '1': {
      Name: 'prod-eu',
      Group: 'Azure',
      Host: 'prod-eu.postgres.database.azure.com',
      Port: 5432,
      MaintenanceDB: 'postgres',
      Username: 'adm-alice@contoso.com',
      ConnectionParameters: { sslmode: 'require', connect_timeout: 10, sslrootcert: '/home/alice/DigiCertGlobalRootG2.crt.pem' },
      Comment: 'EU primary',
      BGColor: '#FF8800',
      KerberosAuthentication: false,
      Shared: false,
      UseSSHTunnel: 0,
    },
    '2': {
      Name: 'behind bastion',
      Group: 'Azure',
      Host: 'private.postgres.database.azure.com',
      Port: 5432,
      MaintenanceDB: 'postgres',
      Username: 'db-admins',
      ConnectionParameters: { sslmode: 'prefer', connect_timeout: '10' },
      UseSSHTunnel: 1,
      TunnelHost: 'bastion.contoso.com',
      TunnelPort: '22',
      TunnelUsername: 'alice',
      TunnelAuthentication: 1,
      TunnelIdentityFile: '/home/alice/.ssh/id_ed25519',
    },
    '3': {
      Name: 'team shared',
      Group: 'Servers',
      Host: 'team.postgres.database.azure.com',
      Port: 5432,
      MaintenanceDB: 'postgres',
      Username: 'db-readers',
      Shared: true,
      SharedUsername: 'bob',
      DBRestriction: 'app',
      PasswordExecCommand: 'az account get-access-token --resource-type oss-rdbms --query accessToken -o tsv',
      PasswordExecExpiration: 3000,
    },
    '4': { Name: 'kerberos', Group: 'Servers', Host: 'krb.postgres.database.azure.com', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice', KerberosAuthentication: true, SSLMode: 'disable' },
    '5': { Name: 'via service', Group: 'Servers', Service: 'prod', MaintenanceDB: 'postgres' },
    '6': { Name: 'on-prem', Group: 'Lab', Host: 'pg.lab.contoso.local', Port: 5433, MaintenanceDB: 'lab', Username: 'alice' },
  },
};

describe('pgAdmin import mapping', () => {
  it('maps and reports per server', () => {
    const plan = planPgAdminImport(JSON.stringify(REAL), { cloud: 'public', allowNonAzureHost: false, allowWeakerTls: false });
    const by = Object.fromEntries(plan.profiles.map((p) => [p.server, p]));
    expect(by['1']?.input).toMatchObject({
      name: 'prod-eu',
      folder: 'Azure',
      host: 'prod-eu.postgres.database.azure.com',
      port: 5432,
      username: 'adm-alice@contoso.com',
      sslmode: 'verify-full',
      connectTimeoutSeconds: 10,
      notes: 'EU primary',
      color: '#ff8800',
      credential: { kind: 'interactive' },
    });
    expect(by['1']?.notes.join('\n')).toMatch(/sslmode require changed to verify-full/);
    expect(by['1']?.notes.join('\n')).toMatch(/sslrootcert .*DigiCertGlobalRootG2.* not kept/);
    expect(by['1']?.notes.join('\n')).not.toMatch(/Kerberos|shared|SSH/i); // false/0 defaults are not noise
    expect(by['2']?.input).toMatchObject({ sslmode: 'verify-full', connectTimeoutSeconds: 10 });
    expect(by['2']?.notes.join('\n')).toMatch(/sslmode prefer changed to verify-full/);
    expect(by['2']?.notes.join('\n')).toMatch(/SSH tunnel not kept/);
    expect(by['2']?.notes.filter((n) => /Tunnel/.test(n))).toEqual([]); // one note for the tunnel
    expect(by['3']?.notes.join('\n')).toMatch(/PasswordExecCommand of another tool/);
    expect(by['3']?.notes.join('\n')).toMatch(/shared-server/);
    expect(by['3']?.notes.join('\n')).toMatch(/SharedUsername/);
    expect(by['3']?.notes.join('\n')).toMatch(/DBRestriction/);
    expect(by['3']?.input.folder).toBe('Servers');
    expect(by['4']?.notes.join('\n')).toMatch(/Kerberos/);
    expect(by['4']?.notes.join('\n')).toMatch(/sslmode disable changed to verify-full/); // legacy SSLMode read
    const rejected = Object.fromEntries(plan.rejected.map((r) => [r.server, r.reasons.join(' ')]));
    expect(rejected['5']).toMatch(/service "prod"/);
    expect(rejected['6']).toMatch(/--allow-host pg\.lab\.contoso\.local/);
    expect(plan.unconfirmedHosts).toEqual(['pg.lab.contoso.local']);
  });

  it('--allow-host (per host), --allow-weaker-tls, --account and --folder', () => {
    const plan = planPgAdminImport(REAL, { cloud: 'public', allowedHosts: ['PG.LAB.contoso.local'], allowWeakerTls: true, account: 'adm-alice@contoso.com', folder: 'Imported' });
    expect(plan.unconfirmedHosts).toEqual([]);
    const by = Object.fromEntries(plan.profiles.map((p) => [p.server, p.input]));
    expect(by['6']).toMatchObject({ host: 'pg.lab.contoso.local', port: 5433, confirmations: { nonAzureHost: true }, folder: 'Imported' });
    expect(by['1']).toMatchObject({ sslmode: 'require', confirmations: { weakerTls: true }, credential: { kind: 'interactive', account: 'adm-alice@contoso.com' } });
    for (const p of plan.profiles) expect(validateProfileInput(p.input).ok).toBe(true);
  });

  it('issue #11: each non-Azure host needs its own confirmation; the old all-hosts flag is refused', () => {
    const file = {
      Servers: {
        '1': { Name: 'lab a', Group: 'Lab', Host: 'pg.lab.example', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' },
        '2': { Name: 'lab b', Group: 'Lab', Host: 'evil.example', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' },
        '3': { Name: 'lab c', Group: 'Lab', Host: 'sub.pg.lab.example', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' },
        '4': { Name: 'lab d', Group: 'Lab', Host: 'PG.Lab.Example', Port: 6432, MaintenanceDB: 'postgres', Username: 'alice' },
        '5': { Name: 'azure', Group: 'Azure', Host: 'x.postgres.database.azure.com', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' },
      },
    };
    // Today's --allow-non-azure-host confirmed every host in the file at once: now an error naming --allow-host.
    expect(() => planPgAdminImport(file, { cloud: 'public', allowNonAzureHost: true, allowWeakerTls: false })).toThrow(/--allow-host HOST/);
    const plan = planPgAdminImport(file, { cloud: 'public', allowedHosts: ['pg.lab.EXAMPLE'], allowWeakerTls: false });
    // Exact host, case-insensitive: not a sub-domain, not another host.
    expect(plan.profiles.map((p) => p.server).sort()).toEqual(['1', '4', '5']);
    expect(plan.profiles.find((p) => p.server === '1')?.input.confirmations).toEqual({ nonAzureHost: true });
    expect(plan.profiles.find((p) => p.server === '5')?.input.confirmations).toEqual({});
    expect(plan.rejected.map((r) => r.server).sort()).toEqual(['2', '3']);
    expect(plan.unconfirmedHosts).toEqual(['evil.example', 'sub.pg.lab.example']);
    expect(planPgAdminImport(file, { cloud: 'public', allowWeakerTls: false }).unconfirmedHosts).toEqual(['pg.lab.example', 'evil.example', 'sub.pg.lab.example']);
  });

  it("the app's confirmation is bound to the ports its dialog showed: another port on the same host is not covered", () => {
    const file = {
      Servers: {
        '1': { Name: 'lab a', Group: 'Lab', Host: 'pg.lab.example', Port: 5432, MaintenanceDB: 'postgres', Username: 'alice' },
        '2': { Name: 'lab b', Group: 'Lab', Host: 'pg.lab.example', Port: 6432, MaintenanceDB: 'postgres', Username: 'alice' },
        '3': { Name: 'lab c', Group: 'Lab', Host: 'PG.lab.example', MaintenanceDB: 'postgres', Username: 'alice' },
      },
    };
    // What the dialog shows: each server with the port its profile would get (5432 when none is given).
    expect(planPgAdminImport(file, { cloud: 'public', allowWeakerTls: false }).unconfirmedServers).toEqual([
      { host: 'pg.lab.example', port: 5432, name: 'lab a' },
      { host: 'pg.lab.example', port: 6432, name: 'lab b' },
      { host: 'pg.lab.example', port: 5432, name: 'lab c' },
    ]);
    const plan = planPgAdminImport(file, { cloud: 'public', allowedEndpoints: [{ host: 'PG.LAB.example', port: 5432 }], allowWeakerTls: false });
    expect(plan.profiles.map((p) => [p.server, p.input.port ?? 5432, p.input.confirmations])).toEqual([
      ['1', 5432, { nonAzureHost: true }],
      ['3', 5432, { nonAzureHost: true }],
    ]);
    expect(plan.rejected.map((r) => r.server)).toEqual(['2']);
    expect(plan.unconfirmedServers).toEqual([{ host: 'pg.lab.example', port: 6432, name: 'lab b' }]);
  });

  it('malformed files: errors name the entry and field', () => {
    const bad = { Servers: { '1': REAL.Servers['1'], '3': { ...REAL.Servers['1'], Port: '5432' }, '4': { Group: 'x', MaintenanceDB: 'p' } } };
    let msg = '';
    try {
      parsePgAdminFile(JSON.stringify(bad));
    } catch (e) {
      expect(isPgEntraError(e) && e.code).toBe('invalid_input');
      msg = (e as Error).message;
    }
    expect(msg).toContain('Servers.3.Port: must be an integer');
    expect(msg).toContain('Servers.4.Name: is required');
    expect(() => parsePgAdminFile('{nope')).toThrow(/not valid JSON/);
    expect(() => parsePgAdminFile('[]')).toThrow(/pgAdmin/);
  });
});

describe('pgAdmin import: fuzzed input never crashes and never touches stored profiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-import-fuzz-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('property', async () => {
    const store = new ProfileStore({ dataDir: dir });
    const kept = await store.create({ name: 'Keep me', host: 'keep.postgres.database.azure.com', username: 'db-admins' });
    const file = path.join(dir, 'profiles.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const serverArb = fc.dictionary(
      fc.constantFrom(
        'Name',
        'Group',
        'Host',
        'Port',
        'MaintenanceDB',
        'Username',
        'Service',
        'ConnectionParameters',
        'SSLMode',
        'Comment',
        'BGColor',
        'PasswordExecCommand',
        'UseSSHTunnel',
        'Shared',
        'x',
      ),
      fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.object())), fc.array(fc.anything())),
    );
    const fileArb = fc.oneof(
      fc.anything(),
      fc.record({ Servers: fc.dictionary(fc.string(), fc.oneof(serverArb, fc.anything())) }),
      fc.string().map((s) => `{"Servers":${s}`),
    );
    await fc.assert(
      fc.asyncProperty(fileArb, async (input) => {
        let plan;
        try {
          plan = planPgAdminImport(typeof input === 'string' ? input : (JSON.stringify(input) ?? 'undefined'), { cloud: 'public', allowNonAzureHost: false, allowWeakerTls: false });
        } catch (e) {
          expect(isPgEntraError(e), String(e)).toBe(true);
          return;
        }
        // Valid plans go through the store in skip mode: only additions, never a change to "Keep me".
        await store.importProfiles({ format: 'pgentra-profiles', version: 1, profiles: plan.profiles.map((p) => p.input) }, { onConflict: 'skip', trustConfirmations: true });
        expect(await store.get(kept.id)).toEqual(kept);
      }),
      { numRuns: 150 },
    );
    // Nothing was importable from random data in practice; if something was, "Keep me" is unchanged anyway.
    const after = JSON.parse(readFileSync(file, 'utf8')) as { profiles: Profile[] };
    expect(after.profiles.find((p) => p.id === kept.id)).toEqual(kept);
    // Whether or not the file was rewritten, it stays private to the user.
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('pg_service.conf', () => {
  it('sections with sanitised unique names and no password', () => {
    const ps = [profile({ name: 'Prod EU' }), profile({ name: 'prod/eu', host: 'other.postgres.database.azure.com' }), profile({ name: 'Zoë [test]' })];
    const text = buildPgServiceConf(ps, { sslRootCertFor: () => '/x/roots.pem' });
    expect(serviceNameFor('Prod EU')).toBe('Prod-EU');
    expect(text).toContain('[Prod-EU]\nhost=prodeu.postgres.database.azure.com\nport=5432\ndbname=postgres\nuser=db-admins\nsslmode=verify-full\nsslrootcert=/x/roots.pem\n');
    expect(text).toContain('[prod-eu-2]');
    expect(text).toContain('[Zoe-test]');
    expect(text).not.toMatch(/^password/m);
  });
});
