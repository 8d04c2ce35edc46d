// pg_service.conf sections that point at the local pgEntra proxy.
import { describe, expect, it } from 'vitest';
import { buildProxyPgServiceConf, buildPgServiceConf } from '../../../electron/interop/pgService.js';
import { validateProfileInput, type Profile, type ProfileInput } from '../../../shared/profile.js';

function profile(input: Partial<ProfileInput> & { name: string }): Profile {
  const r = validateProfileInput({ host: 'srv.postgres.database.azure.com', username: 'db-admins', ...input });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.profile;
}

describe('buildProxyPgServiceConf', () => {
  const ps = [profile({ name: 'Prod EU', database: 'sales', username: 'db admins' }), profile({ name: 'prod eu' }), profile({ name: 'Zoë test', connectTimeoutSeconds: 5 })];
  const ports = new Map(ps.map((p, i) => [p.id, 6432 + i]));
  const text = buildProxyPgServiceConf(ps, { proxyPortFor: (p) => ports.get(p.id) ?? 0 });

  it('loopback host, the profile port, sslmode=disable, no certificate, no password', () => {
    expect(text).toContain('[Prod-EU]\nhost=127.0.0.1\nport=6432\ndbname=sales\nuser=db admins\nsslmode=disable\nconnect_timeout=15\napplication_name=pgEntra\n');
    expect(text).toContain('[prod-eu-2]\nhost=127.0.0.1\nport=6433\n');
    expect(text).toContain('[Zoe-test]\nhost=127.0.0.1\nport=6434\n');
    expect(text).not.toMatch(/sslrootcert|^password/m);
    expect(text).toContain(`pgentra proxy ${ps[0]?.id}`);
  });

  it('uses the same section names as the direct export, and another address when given', () => {
    const direct = buildPgServiceConf(ps, { sslRootCertFor: () => '/roots.pem' });
    const names = (t: string): string[] => [...t.matchAll(/^\[(.+)\]$/gm)].map((m) => m[1] ?? '');
    expect(names(text)).toEqual(names(direct));
    expect(buildProxyPgServiceConf(ps.slice(0, 1), { proxyPortFor: () => 7000, address: '::1' })).toContain('host=::1\nport=7000\n');
  });
});
