// The Browse Azure view's logic: status badges, the filter box, servers grouped under their
// subscriptions, the 403 note in words, and the pre-flight events folded into a connect attempt.
import { describe, expect, it } from 'vitest';
import type { AzureServer, ServerListing } from '../../../shared/azure.js';
import type { EventPayload } from '../../../shared/contract.js';
import { describeNote, generalNotes, groupBySubscription, matchesFilter, serverBadges } from '../../../renderer/features/azure/serverList.js';
import type { ConnectAttempt } from '../../../renderer/features/sessions/ConnectPanel.js';
import { linkedServer } from '../../../renderer/features/profiles/ProfileEditor.js';
import { applyPreflight } from '../../../renderer/features/sessions/preflight.js';
import { azureServer } from '../ipc/fixtures.js';

const PROD = '00000000-0000-0000-0000-0000000000a1';
const DEV = '00000000-0000-0000-0000-0000000000b2';
const FABRIKAM = '00000000-0000-0000-0000-0000000000c3';

const server = (name: string, sub: string, over: Partial<AzureServer> = {}): AzureServer => azureServer(name, sub, { resourceGroup: 'rg', ...over });

const LISTING: ServerListing = {
  subscriptions: [
    { subscriptionId: PROD, displayName: 'Contoso Production', state: 'Enabled', tenantId: null },
    { subscriptionId: FABRIKAM, displayName: 'Fabrikam Shared', state: 'Enabled', tenantId: null },
    { subscriptionId: DEV, displayName: 'Contoso Dev', state: 'Enabled', tenantId: null },
  ],
  servers: [
    server('otherserver', PROD),
    server('myserver', PROD),
    server('stoppedserver', PROD, { state: 'Stopped' }),
    server('entraoffserver', PROD, { entraAuth: 'disabled', passwordAuth: 'enabled', location: 'northeurope' }),
    server('devserver', DEV, { privateNetwork: true, publicNetworkAccess: 'disabled', version: '15' }),
  ],
  notes: [
    { subscriptionId: FABRIKAM, code: 'forbidden', message: 'AuthorizationFailed' },
    { subscriptionId: null, code: 'throttled', message: 'Too many requests' },
  ],
};

const labels = (s: AzureServer): string[] => serverBadges(s).map((b) => b.label);

describe('server badges', () => {
  it('say Ready, Entra on, public network, the version and the location of a healthy server', () => {
    expect(labels(server('myserver', PROD))).toEqual(['Ready', 'Entra on', 'Public network', 'PostgreSQL 16', 'westeurope']);
    expect(
      serverBadges(server('myserver', PROD))
        .slice(0, 3)
        .map((b) => b.tone),
    ).toEqual(['ok', 'ok', 'info']);
  });

  it('flag a stopped server, Entra off and a private network', () => {
    const stopped = serverBadges(server('s', PROD, { state: 'Stopped' }));
    expect(stopped[0]).toMatchObject({ label: 'Stopped', tone: 'bad' });
    expect(serverBadges(server('e', PROD, { entraAuth: 'disabled' }))[1]).toMatchObject({ label: 'Entra off', tone: 'bad' });
    expect(labels(server('d', DEV, { privateNetwork: true }))).toContain('Private network');
    expect(labels(server('p', DEV, { publicNetworkAccess: 'disabled' }))).toContain('Public access off');
    expect(serverBadges(server('u', DEV, { state: 'Updating' }))[0]).toMatchObject({ label: 'Updating', tone: 'warn' });
  });

  it('mark replicas and leave out what ARM did not say', () => {
    expect(labels(server('r', PROD, { replicationRole: 'AsyncReplica' }))).toContain('Replica');
    const bare = labels(server('n', PROD, { version: null, state: null, entraAuth: 'unknown', location: '' }));
    expect(bare).toEqual(['Unknown', 'Entra ?', 'Public network']);
  });
});

describe('filter', () => {
  it('matches every word, case-insensitively, across name, FQDN, region, version, subscription and badges', () => {
    const s = server('myserver', PROD);
    expect(matchesFilter(s, 'Contoso Production', '')).toBe(true);
    expect(matchesFilter(s, 'Contoso Production', 'MYSERV')).toBe(true);
    expect(matchesFilter(s, 'Contoso Production', 'westeurope 16')).toBe(true);
    expect(matchesFilter(s, 'Contoso Production', 'production')).toBe(true);
    expect(matchesFilter(s, 'Contoso Production', 'myserver northeurope')).toBe(false);
    expect(matchesFilter(server('e', PROD, { entraAuth: 'disabled' }), 'x', 'entra off')).toBe(true);
    expect(matchesFilter(server('s', PROD, { state: 'Stopped' }), 'x', 'stopped')).toBe(true);
  });
});

describe('grouping by subscription', () => {
  it('sorts subscriptions and servers by name and keeps a 403 subscription with its note', () => {
    const groups = groupBySubscription(LISTING, '');
    expect(groups.map((g) => g.subscription.displayName)).toEqual(['Contoso Dev', 'Contoso Production', 'Fabrikam Shared']);
    expect(groups[1]?.servers.map((s) => s.name)).toEqual(['entraoffserver', 'myserver', 'otherserver', 'stoppedserver']);
    expect(groups[2]).toMatchObject({ servers: [], total: 0 });
    expect(groups[2]?.notes.map((n) => n.code)).toEqual(['forbidden']);
  });

  it('filters within groups and counts what was there before', () => {
    const groups = groupBySubscription(LISTING, 'server stopped');
    expect(groups.find((g) => g.subscription.subscriptionId === PROD)).toMatchObject({ total: 4 });
    expect(groups.find((g) => g.subscription.subscriptionId === PROD)?.servers.map((s) => s.name)).toEqual(['stoppedserver']);
    expect(groups.find((g) => g.subscription.subscriptionId === DEV)?.servers).toEqual([]);
  });

  it('gives servers of a subscription the list did not name a group of their own', () => {
    const orphan = '00000000-0000-0000-0000-0000000000d4';
    const groups = groupBySubscription({ ...LISTING, servers: [...LISTING.servers, server('lost', orphan)] }, '');
    expect(groups.find((g) => g.subscription.subscriptionId === orphan)?.servers.map((s) => s.name)).toEqual(['lost']);
  });
});

describe('notes', () => {
  it('say which subscription cannot be read, in words', () => {
    expect(describeNote({ subscriptionId: FABRIKAM, code: 'forbidden', message: 'x' }, LISTING.subscriptions)).toMatch(/^You cannot read Fabrikam Shared \(403\)/);
    expect(describeNote({ subscriptionId: null, code: 'throttled', message: 'x' }, LISTING.subscriptions)).toMatch(/429/);
    expect(describeNote({ subscriptionId: DEV, code: 'unavailable', message: 'ECONNRESET' }, LISTING.subscriptions)).toBe('Contoso Dev could not be read: ECONNRESET');
  });

  it('keeps notes not tied to a listed subscription apart', () => {
    expect(generalNotes(LISTING).map((n) => n.code)).toEqual(['throttled']);
  });
});

describe('pre-flight events of a connect attempt', () => {
  const event = (over: Partial<EventPayload<'session.preflight'>>): EventPayload<'session.preflight'> => ({
    profileId: 'p',
    attemptId: 'a1',
    phase: 'connect',
    status: 'done',
    server: null,
    findings: [],
    ...over,
  });
  const fw = {
    id: 'firewall_blocked' as const,
    severity: 'error' as const,
    message: 'blocked',
    action: 'allow',
    fix: { kind: 'allow-my-ip' as const, ip: '127.0.0.1', ruleName: 'pgentra-127-0-0-1' },
  };

  it('applies only to the attempt it names', () => {
    const attempt: ConnectAttempt = { id: 'a1', stage: 'tls' };
    expect(applyPreflight(attempt, event({ attemptId: 'other' }))).toBe(attempt);
    expect(applyPreflight<ConnectAttempt>({ stage: 'tls' }, event({}))).toEqual({ stage: 'tls' });
    expect(applyPreflight(attempt, event({ status: 'checking' })).preflight).toMatchObject({ phase: 'connect', status: 'checking' });
  });

  it('never lets a late check from while connecting replace the refusal check', () => {
    const refused = applyPreflight<ConnectAttempt>({ id: 'a1', stage: 'tls' }, event({ phase: 'refusal', findings: [fw] }));
    expect(applyPreflight(refused, event({ phase: 'connect', findings: [] }))).toBe(refused);
    expect(refused.preflight?.findings[0]?.fix?.ip).toBe('127.0.0.1');
    // The refusal check's own "done" replaces its "checking".
    const checking = applyPreflight<ConnectAttempt>({ id: 'a1', stage: 'tls' }, event({ phase: 'refusal', status: 'checking' }));
    expect(applyPreflight(checking, event({ phase: 'refusal', findings: [fw] })).preflight?.status).toBe('done');
  });
});

describe('a profile’s link to its Azure server in the editor', () => {
  const id = server('myserver', PROD).id;
  it('holds while the host names the server, and is dropped for another host', () => {
    expect(linkedServer('myserver.postgres.database.azure.com', id)).toEqual({ name: 'myserver', linked: true });
    expect(linkedServer('MyServer.privatelink.postgres.database.azure.com', id)).toEqual({ name: 'myserver', linked: true });
    expect(linkedServer('otherserver.postgres.database.azure.com', id)).toEqual({ name: 'myserver', linked: false });
    expect(linkedServer('10.0.0.4', id)).toEqual({ name: 'myserver', linked: false });
    expect(linkedServer('myserver.postgres.database.azure.com', '')).toBeUndefined();
    expect(linkedServer('myserver.postgres.database.azure.com', '/subscriptions/x/resourceGroups/y')).toBeUndefined();
  });
});
