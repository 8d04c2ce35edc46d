// Which server a connection is for (its SNI), and the per-server store ARM and the server share.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER, ServerPolicies, serverNameOf } from './policy.js';

describe('server policies', () => {
  it('reads the server name from an SNI in any cloud', () => {
    expect(serverNameOf('MyServer.postgres.database.azure.com')).toBe('myserver');
    expect(serverNameOf('gov-1.postgres.database.usgovcloudapi.net')).toBe('gov-1');
    expect(serverNameOf('localhost')).toBeUndefined();
    expect(serverNameOf(false)).toBeUndefined();
    expect(serverNameOf(undefined)).toBeUndefined();
  });

  it('localhost, no SNI and unknown names are the default server', () => {
    const p = new ServerPolicies();
    p.set('lockedserver', { firewallRules: [] });
    expect(p.serverFor('lockedserver.postgres.database.azure.com')).toBe('lockedserver');
    expect(p.serverFor('nosuch.postgres.database.azure.com')).toBe(DEFAULT_SERVER);
    expect(p.serverFor('localhost')).toBe(DEFAULT_SERVER);
    expect(p.policyOf(DEFAULT_SERVER)).toEqual({ firewallRules: null, entraAuth: true, state: 'Ready' });
  });

  it('validates and copies rules; patches keep the rest', () => {
    const p = new ServerPolicies();
    const rules = [{ name: 'a', startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.2' }];
    p.set('s1', { firewallRules: rules, state: 'Stopped' });
    rules.push({ name: 'b', startIpAddress: '10.0.0.3', endIpAddress: '10.0.0.3' });
    p.set('s1', { entraAuth: false });
    expect(p.policyOf('S1')).toEqual({ firewallRules: [{ name: 'a', startIpAddress: '10.0.0.1', endIpAddress: '10.0.0.2' }], entraAuth: false, state: 'Stopped' });
    expect(() => p.set('s1', { firewallRules: [{ name: 'x', startIpAddress: '10.0.0.9', endIpAddress: '10.0.0.1' }] })).toThrow(/start address is after/);
  });
});
