// The service's pre-flight check and profile proposal through a stand-in ARM transport: the
// server from the profile's remembered resource id (server and admins asked at once) or from its
// host, the findings, and ARM trouble (403, network, a cloud without managementEndpoint) turned
// into an azure_unavailable finding — never an exception.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAzureService } from '../../../electron/azure/index.js';
import { PgEntraError } from '../../../shared/errors.js';
import { ProfileInputSchema, type Profile } from '../../../shared/profile.js';
import { SUB, fakeArm, fakeTokens, serverModel, type Route } from './fakeArm.js';

const GROUP = 'a0b1c2d3-0000-4000-8000-000000000001';
const serverPath = (name: string): string => `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;
const admins = { value: [{ id: `${serverPath('myserver')}/administrators/${GROUP}`, properties: { principalType: 'Group', principalName: 'db-admins', objectId: GROUP, tenantId: 't' } }] };

function profile(over: Partial<Profile> = {}): Profile {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    name: 'prod',
    folder: '',
    host: 'myserver.postgres.database.azure.com',
    port: 5432,
    database: 'postgres',
    username: 'db-admins',
    credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
    cloud: 'public',
    sslmode: 'verify-full',
    applicationName: 'pgEntra',
    connectTimeoutSeconds: 15,
    confirmations: {},
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}

function arm(opts: { server?: Record<string, unknown>; adminsStatus?: number } = {}): Route {
  return (method, url) => {
    if (method !== 'GET') return undefined;
    if (url.pathname === '/subscriptions') return { status: 200, body: { value: [{ subscriptionId: SUB, displayName: 'Contoso Production', state: 'Enabled' }] } };
    if (url.pathname === `/subscriptions/${SUB}/providers/Microsoft.DBforPostgreSQL/flexibleServers`) return { status: 200, body: { value: [opts.server ?? serverModel('myserver')] } };
    if (url.pathname === serverPath('myserver')) return { status: 200, body: opts.server ?? serverModel('myserver') };
    if (url.pathname === `${serverPath('myserver')}/administrators`) {
      return opts.adminsStatus === 403
        ? {
            status: 403,
            body: { error: { code: 'AuthorizationFailed', message: "does not have authorization to perform action 'Microsoft.DBforPostgreSQL/flexibleServers/administrators/read' over scope 'x'" } },
          }
        : { status: 200, body: admins };
    }
    return undefined;
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkProfile', () => {
  it('by remembered resource id: server and admins at once, no listing; a username that is no admin is a finding', async () => {
    const http = fakeArm(arm({ server: serverModel('myserver', { state: 'Stopped' }) }));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: dir, httpClient: http });
    const check = await azure.checkProfile(profile({ username: 'someone@contoso.example', azure: { resourceId: serverPath('myserver') } }));
    expect(check.server?.name).toBe('myserver');
    expect(check.admins?.map((a) => a.principalName)).toEqual(['db-admins']);
    expect(check.findings.map((f) => f.id)).toEqual(['server_stopped', 'not_entra_admin']);
    expect(http.sent.some((s) => new URL(s.url).pathname === '/subscriptions')).toBe(false);
  });

  it('by host (no resource id): found in the listing, which later checks reuse; a firewall refusal adds the fix', async () => {
    const http = fakeArm(arm());
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: dir, httpClient: http });
    const refusal = new PgEntraError('firewall_blocked', 'The firewall …', { details: { ip: '203.0.113.7' } });
    const check = await azure.checkProfile(profile(), { refusal });
    expect(check.findings.map((f) => f.id)).toEqual(['firewall_blocked']);
    expect(check.findings[0]?.fix).toEqual({ kind: 'allow-my-ip', ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' });
    const listings = http.sent.filter((s) => new URL(s.url).pathname === '/subscriptions').length;
    await azure.checkProfile(profile());
    expect(http.sent.filter((s) => new URL(s.url).pathname === '/subscriptions').length).toBe(listings);
  });

  it('an unknown host or a deleted server: server_not_found; admins refused (403): a note, the rest still checked', async () => {
    const http = fakeArm(arm({ adminsStatus: 403 }));
    const azure = createAzureService({ tokens: fakeTokens(), dataDir: dir, httpClient: http });
    expect((await azure.checkProfile(profile({ host: 'nosuch.postgres.database.azure.com' }))).findings.map((f) => f.id)).toEqual(['server_not_found']);
    const gone = await azure.checkProfile(profile({ azure: { resourceId: serverPath('deleted') } }));
    expect(gone.findings.map((f) => f.id)).toEqual(['server_not_found']);
    const c = await azure.checkProfile(profile());
    expect(c.admins).toBeNull();
    expect(c.findings.map((f) => f.id)).toEqual(['azure_unavailable']);
    expect(c.findings[0]?.message).toContain('Microsoft.DBforPostgreSQL/flexibleServers/administrators/read');
  });

  it('never throws for ARM trouble: network down, sign-in needed, a custom cloud without managementEndpoint', async () => {
    const down = fakeArm(() => undefined);
    down.sendRequest = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'RestError', code: 'ECONNREFUSED' });
    };
    const netless = createAzureService({ tokens: fakeTokens(), dataDir: dir, httpClient: down });
    const refusal = new Error('no pg_hba.conf entry for host "198.51.100.4", user "db-admins"');
    const c1 = await netless.checkProfile(profile(), { refusal });
    expect(c1.findings.map((f) => f.id)).toEqual(['firewall_blocked', 'azure_unavailable']);

    const noSignIn = createAzureService({
      tokens: { getToken: async () => Promise.reject(new PgEntraError('sign_in_required', 'adm-alice@contoso.example is not signed in.', { hint: 'Run: pgentra login' })) },
      dataDir: dir,
      httpClient: fakeArm(arm()),
    });
    const c2 = await noSignIn.checkProfile(profile());
    expect(c2.findings).toEqual([expect.objectContaining({ id: 'azure_unavailable', message: expect.stringContaining('not signed in'), action: 'Run: pgentra login' })]);

    const file = path.join(dir, 'cloud.json');
    writeFileSync(file, JSON.stringify({ authorityHost: 'https://login.example', resource: 'https://db.example', postgresDomains: ['.db.example'] }));
    const custom = createAzureService({ tokens: fakeTokens(), dataDir: dir, httpClient: fakeArm(arm()) });
    const c3 = await custom.checkProfile(profile({ cloud: { customFile: file }, host: 'x.db.example' }));
    expect(c3.findings).toEqual([expect.objectContaining({ id: 'azure_unavailable', message: expect.stringContaining('has no managementEndpoint') })]);
  });
});

describe('proposeProfile', () => {
  it('a valid profile input: FQDN, 5432, postgres, the account pinned, the cloud, the server remembered, db-admins from the groups claim', async () => {
    const tokens = fakeTokens({ oid: 'me', groups: [GROUP] });
    const azure = createAzureService({ tokens, dataDir: dir, httpClient: fakeArm(arm()) });
    const p = await azure.proposeProfile({ cloud: 'public', credential: { kind: 'interactive' } }, 'myserver');
    expect(ProfileInputSchema.safeParse(p.profile).success).toBe(true);
    expect(p.profile).toMatchObject({
      name: 'myserver',
      host: 'myserver.postgres.database.azure.com',
      port: 5432,
      database: 'postgres',
      username: 'db-admins',
      credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
      cloud: 'public',
      azure: { resourceId: serverPath('myserver') },
    });
    expect(p.usernameChoices.map((c) => c.reason)).toEqual(['admin-group', 'account']);
    // The database token (claims) and the ARM token both come from the broker.
    expect(new Set(tokens.requests.map((r) => r.resource ?? 'postgres'))).toEqual(new Set(['management', 'postgres']));
  });
});
