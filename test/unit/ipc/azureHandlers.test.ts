// azure.* through the router with a fake AzureService, and the connect pre-flight of
// sessions.open: strict inputs (allowMyIp takes no renderer-made confirmation, an IPv4 address and a
// valid rule name), ARM callers built from the account and cloud, the pre-flight beside the connect (never
// delaying or failing it), the refusal check's fix, and allowMyIp limited to the fixes offered.
import { describe, expect, it, vi } from 'vitest';
import type { ArmCaller, AzureService } from '../../../electron/azure/azureService.js';
import { isServerHostIn } from '../../../electron/ipc/connectPreflight.js';
import { createHandlers } from '../../../electron/ipc/handlers/index.js';
import { createRouter } from '../../../electron/ipc/router.js';
import type { Services, TokenTargetDecision } from '../../../electron/ipc/services.js';
import type { PreflightFinding, ServerCheck } from '../../../shared/azure.js';
import type { EventName, EventPayload } from '../../../shared/contract.js';
import { PgEntraError } from '../../../shared/errors.js';
import type { Profile } from '../../../shared/profile.js';
import { PROFILE, PROFILE_ID, SERVER_ID, SESSION_ID, SESSION_INFO, TRUSTED, azureServer, openOnlyServices } from './fixtures.js';

const SERVER = azureServer('prod');

const FIREWALL: PreflightFinding = {
  id: 'firewall_blocked',
  severity: 'error',
  message: 'The firewall of prod does not allow 203.0.113.7.',
  action: 'Allow the address with a firewall rule.',
  fix: { kind: 'allow-my-ip', ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' },
};

const INFO = SESSION_INFO;

type Event = { name: EventName; payload: unknown };

interface Fake {
  services: Services;
  events: Event[];
  callers: ArmCaller[];
  checks: Array<{ profile: Profile; refusal?: unknown; signal?: AbortSignal }>;
  allowed: Array<{ ip: string; ruleName?: string }>;
}

function fake(opts: { profile?: Profile; open?: () => Promise<string>; check?: (refusal: unknown) => Promise<ServerCheck> } = {}): Fake {
  const profile = opts.profile ?? PROFILE;
  const events: Event[] = [];
  const callers: ArmCaller[] = [];
  const checks: Fake['checks'] = [];
  const allowed: Fake['allowed'] = [];
  const azure: AzureService = {
    listServers: async (caller, o) => {
      callers.push(caller);
      return { subscriptions: [{ subscriptionId: o?.subscriptionId ?? SERVER.subscriptionId, displayName: 'Prod', state: 'Enabled', tenantId: null }], servers: [SERVER], notes: [] };
    },
    getServer: async (caller) => {
      callers.push(caller);
      return { server: SERVER, admins: [], findings: [], notes: [] };
    },
    proposeProfile: async (caller) => {
      callers.push(caller);
      return {
        profile: { name: 'prod', host: 'PROD.postgres.database.azure.com', username: 'db-admins', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' }, cloud: 'public' },
        usernameChoices: [{ username: 'db-admins', reason: 'admin-group', label: 'Entra admin group you are a member of' }],
        server: SERVER,
      };
    },
    checkProfile: async (p, o) => {
      checks.push({ profile: p, ...(o?.refusal === undefined ? {} : { refusal: o.refusal }), ...(o?.signal ? { signal: o.signal } : {}) });
      return opts.check ? opts.check(o?.refusal) : { server: SERVER, admins: [], findings: [] };
    },
    allowIp: async (_p, ip, o) => {
      allowed.push({ ip, ...(o?.ruleName ? { ruleName: o.ruleName } : {}) });
      return { ruleName: o?.ruleName ?? 'x', startIpAddress: ip, endIpAddress: ip, server: SERVER };
    },
  };
  const services: Services = {
    ...openOnlyServices({ open: opts.open ?? (async () => SESSION_ID), profile, azure }),
    defaultCloud: '/etc/pgentra/cloud.json',
    events: (name, payload) => {
      events.push({ name, payload });
    },
  };
  return { services, events, callers, checks, allowed };
}

const routerFor = (f: Fake) => createRouter(createHandlers(f.services), { validateOutput: true });
const preflightEvents = (f: Fake): Array<EventPayload<'session.preflight'>> => f.events.filter((e) => e.name === 'session.preflight').map((e) => e.payload as EventPayload<'session.preflight'>);
const ATTEMPT = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const ALLOW = { profileId: PROFILE_ID, ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' };

describe('azure.allowMyIp input', () => {
  it.each([
    ['with a renderer-made confirmed: true', { ...ALLOW, confirmed: true }],
    ['with an IPv6 address', { ...ALLOW, ip: '::1' }],
    ['with an out-of-range address', { ...ALLOW, ip: '256.1.1.1' }],
    ['with a range', { ...ALLOW, ip: '203.0.113.0/24' }],
    ['with leading zeros', { ...ALLOW, ip: '203.0.113.07' }],
    ['with a host name', { ...ALLOW, ip: 'evil.example' }],
    ['with a rule name with spaces', { ...ALLOW, ruleName: 'my rule' }],
    ['with an empty rule name', { ...ALLOW, ruleName: '' }],
    ['with a rule name of 129 characters', { ...ALLOW, ruleName: 'a'.repeat(129) }],
  ])('is refused %s, before any ARM call', async (_label, input) => {
    const f = fake();
    const r = await routerFor(f).dispatch('azure.allowMyIp', input, TRUSTED);
    expect(!r.ok && r.error.code).toBe('invalid_input');
    expect(f.allowed).toEqual([]);
  });

  it('refuses an address no refusal of this profile reported', async () => {
    const f = fake();
    const r = await routerFor(f).dispatch('azure.allowMyIp', ALLOW, TRUSTED);
    expect(!r.ok && r.error.code).toBe('invalid_input');
    expect(!r.ok && r.error.message).toMatch(/only for the address prod\.postgres\.database\.azure\.com reported/);
    expect(f.allowed).toEqual([]);
  });
});

describe('browse calls', () => {
  it('ask ARM as the named account on the named cloud, else on the app’s default cloud', async () => {
    const f = fake();
    const router = routerFor(f);
    expect((await router.dispatch('azure.listServers', { account: 'adm-alice@contoso.example' }, TRUSTED)).ok).toBe(true);
    expect((await router.dispatch('azure.getServer', { cloud: 'usgov', account: 'adm-alice@contoso.example', server: SERVER_ID }, TRUSTED)).ok).toBe(true);
    expect((await router.dispatch('azure.listServers', { cloud: { customFile: '/srv/cloud.json' }, account: 'bob@contoso.example', subscriptionId: SERVER.subscriptionId }, TRUSTED)).ok).toBe(true);
    expect(f.callers).toEqual([
      { cloud: '/etc/pgentra/cloud.json', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' } },
      { cloud: 'usgov', credential: { kind: 'interactive', account: 'adm-alice@contoso.example' } },
      { cloud: '/srv/cloud.json', credential: { kind: 'interactive', account: 'bob@contoso.example' } },
    ]);
  });

  it.each([
    ['azure.listServers', { account: '' }],
    ['azure.listServers', { account: 'a'.repeat(257) }],
    ['azure.listServers', { account: 'a@b', subscriptionId: '../../providers' }],
    ['azure.listServers', { account: 'a@b', cloud: 'mars' }],
    ['azure.getServer', { account: 'a@b', server: 'myserver' }],
    ['azure.getServer', { account: 'a@b', server: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Sql/servers/z' }],
    ['azure.proposeProfile', { account: 'a@b', server: `${SERVER_ID}/firewallRules/all` }],
    ['azure.checkProfile', { profileId: 'not-a-uuid' }],
  ] as const)('%s refuses %j', async (name, input) => {
    const f = fake();
    const r = await routerFor(f).dispatch(name, input, TRUSTED);
    expect(!r.ok && r.error.code).toBe('invalid_input');
    expect(f.callers).toEqual([]);
  });

  it('proposeProfile returns the proposal parsed as profile input (defaults filled, host normalised), never saved', async () => {
    const r = await routerFor(fake()).dispatch('azure.proposeProfile', { account: 'adm-alice@contoso.example', server: SERVER_ID }, TRUSTED);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      profile: {
        host: 'prod.postgres.database.azure.com',
        port: 5432,
        database: 'postgres',
        username: 'db-admins',
        sslmode: 'verify-full',
        credential: { kind: 'interactive', account: 'adm-alice@contoso.example' },
      },
      usernameChoices: [{ username: 'db-admins', reason: 'admin-group' }],
      server: { name: 'prod' },
    });
  });
});

describe('the connect pre-flight', () => {
  it('checks an Azure host beside the connect and does not wait for ARM', async () => {
    const f = fake({ check: () => new Promise<ServerCheck>(() => undefined) });
    const r = await routerFor(f).dispatch('sessions.open', { profileId: PROFILE_ID, attemptId: ATTEMPT }, TRUSTED);
    expect(r).toEqual({ ok: true, value: INFO });
    expect(f.checks).toHaveLength(1);
    // Connected: the check is called off, and its answer would not be reported.
    expect(f.checks[0]?.signal?.aborted).toBe(true);
    expect(preflightEvents(f)).toEqual([{ profileId: PROFILE_ID, attemptId: ATTEMPT, phase: 'connect', status: 'checking', server: null, findings: [] }]);
  });

  it('never fails a connect because ARM failed; ARM trouble becomes a note', async () => {
    let fail: ((e: Error) => void) | undefined;
    const f = fake({
      check: () => new Promise<ServerCheck>((_r, reject) => (fail = reject)),
      // ARM fails while the connect is under way.
      open: async () => {
        await vi.waitFor(() => expect(fail).toBeDefined());
        fail?.(new Error('getaddrinfo ENOTFOUND management.azure.com'));
        await new Promise((r) => setTimeout(r, 10));
        return SESSION_ID;
      },
    });
    const r = await routerFor(f).dispatch('sessions.open', { profileId: PROFILE_ID, attemptId: ATTEMPT }, TRUSTED);
    expect(r.ok).toBe(true);
    const refused = fake({ check: () => Promise.reject(new Error('boom')), open: () => Promise.reject(new PgEntraError('server_unreachable', 'did not answer')) });
    const r2 = await routerFor(refused).dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED);
    expect(!r2.ok && r2.error.code).toBe('server_unreachable');
    await vi.waitFor(() => expect(preflightEvents(refused).find((e) => e.phase === 'refusal' && e.status === 'done')?.findings[0]).toMatchObject({ id: 'azure_unavailable', severity: 'info' }));
  });

  it('after a firewall refusal checks again with the refusal, offers its fix, and then allowMyIp adds exactly that rule', async () => {
    const refusal = new PgEntraError('firewall_blocked', 'no pg_hba.conf entry for host "203.0.113.7"', { details: { ip: '203.0.113.7' } });
    const f = fake({
      open: () => Promise.reject(refusal),
      check: async (r) => ({ server: SERVER, admins: [], findings: r ? [FIREWALL] : [] }),
    });
    const router = routerFor(f);
    const r = await router.dispatch('sessions.open', { profileId: PROFILE_ID, attemptId: ATTEMPT }, TRUSTED);
    expect(!r.ok && r.error.code).toBe('firewall_blocked');
    await vi.waitFor(() => expect(preflightEvents(f).some((e) => e.phase === 'refusal' && e.status === 'done')).toBe(true));
    expect(f.checks.map((c) => c.refusal)).toEqual([undefined, refusal]);
    const done = preflightEvents(f).filter((e) => e.status === 'done');
    // The check from while connecting was superseded by the refusal check: only the latter reports.
    expect(done).toEqual([{ profileId: PROFILE_ID, attemptId: ATTEMPT, phase: 'refusal', status: 'done', server: SERVER, findings: [FIREWALL] }]);

    // Another address or rule name is still refused (no dialog for them); the offered one goes through
    // once the main process's dialog (stand-in) says yes.
    const dialogs: TokenTargetDecision[] = [];
    let answer = false;
    f.services.confirmDecision = async (d) => (dialogs.push(d), answer);
    expect((await router.dispatch('azure.allowMyIp', { ...ALLOW, ip: '203.0.113.8' }, TRUSTED)).ok).toBe(false);
    expect((await router.dispatch('azure.allowMyIp', { ...ALLOW, ruleName: 'allow-all' }, TRUSTED)).ok).toBe(false);
    expect(dialogs).toEqual([]);
    // issue 23: the renderer's dialog is not enough — the main process's own one decides.
    const declined = await router.dispatch('azure.allowMyIp', ALLOW, TRUSTED);
    expect(!declined.ok && declined.error.code).toBe('confirmation_required');
    expect(f.allowed).toEqual([]);
    expect(dialogs).toEqual([{ kind: 'firewall-rule', profileName: PROFILE.name, host: PROFILE.host, server: 'prod', ruleName: 'pgentra-203-0-113-7', ip: '203.0.113.7' }]);
    answer = true;
    expect(await router.dispatch('azure.allowMyIp', ALLOW, TRUSTED)).toEqual({ ok: true, value: { ruleName: 'pgentra-203-0-113-7', startIpAddress: '203.0.113.7', endIpAddress: '203.0.113.7' } });
    expect(f.allowed).toEqual([{ ip: '203.0.113.7', ruleName: 'pgentra-203-0-113-7' }]);
    expect(dialogs).toHaveLength(2);
    // Without a main-process dialog at all: refused, never waved through.
    delete f.services.confirmDecision;
    const bare = await router.dispatch('azure.allowMyIp', ALLOW, TRUSTED);
    expect(!bare.ok && bare.error.code).toBe('confirmation_required');
    expect(f.allowed).toHaveLength(1);
  });

  it('skips hosts outside the cloud’s PostgreSQL domains, unless the profile names its ARM resource', async () => {
    const local: Profile = { ...PROFILE, host: 'db.internal.example', confirmations: { nonAzureHost: true } };
    const f = fake({ profile: local });
    expect((await routerFor(f).dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED)).ok).toBe(true);
    expect(f.checks).toEqual([]);
    expect(preflightEvents(f)).toEqual([]);
    const linked = fake({ profile: { ...local, azure: { resourceId: SERVER_ID } } });
    expect((await routerFor(linked).dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED)).ok).toBe(true);
    expect(linked.checks).toHaveLength(1);
  });

  it('uses a custom cloud’s domains when the services know them; a domain itself names no server', async () => {
    const opened = async (host: string, domains: string[]): Promise<number> => {
      const f = fake({ profile: { ...PROFILE, host, cloud: { customFile: '/srv/cloud.json' } } });
      f.services.postgresDomainsOf = (cloud) => (typeof cloud === 'string' ? [] : domains);
      expect((await routerFor(f).dispatch('sessions.open', { profileId: PROFILE_ID }, TRUSTED)).ok).toBe(true);
      return f.checks.length;
    };
    expect(await opened('myserver.postgres.sim.example', ['.postgres.sim.example'])).toBe(1);
    expect(await opened('myserver.postgres.sim.example', ['postgres.sim.example'])).toBe(1);
    expect(await opened('localhost', ['localhost'])).toBe(0);
    expect(await opened('postgres.sim.example', ['.postgres.sim.example'])).toBe(0);
    expect(await opened('myserver.postgres.database.azure.com', [])).toBe(0);
  });

  it('tells server hosts from domains and look-alikes', () => {
    const domains = ['.postgres.database.azure.com'];
    expect(isServerHostIn('myserver.postgres.database.azure.com', domains)).toBe(true);
    expect(isServerHostIn('MyServer.Postgres.Database.Azure.com', domains)).toBe(true);
    expect(isServerHostIn('postgres.database.azure.com', domains)).toBe(false);
    expect(isServerHostIn('evilpostgres.database.azure.com', domains)).toBe(false);
    expect(isServerHostIn('myserver.postgres.database.azure.com.evil.example', domains)).toBe(false);
    expect(isServerHostIn('10.0.0.4', domains)).toBe(false);
  });
});
