import { describe, expect, it } from 'vitest';
import { cloudFromRef, cloudRef, isHostInDomains } from '../../../shared/profile.js';

describe('isHostInDomains', () => {
  it('a leading-dot domain matches subdomains only', () => {
    expect(isHostInDomains('srv.postgres.database.azure.com', ['.postgres.database.azure.com'])).toBe(true);
    expect(isHostInDomains('SRV.Postgres.Database.Azure.com', ['.postgres.database.azure.com'])).toBe(true);
    expect(isHostInDomains('postgres.database.azure.com', ['.postgres.database.azure.com'])).toBe(false);
    expect(isHostInDomains('evilpostgres.database.azure.com', ['.postgres.database.azure.com'])).toBe(false);
    expect(isHostInDomains('srv.postgres.database.azure.com.evil.example', ['.postgres.database.azure.com'])).toBe(false);
  });
  it('a bare domain (custom cloud files) matches the host itself and its subdomains', () => {
    expect(isHostInDomains('localhost', ['localhost'])).toBe(true);
    expect(isHostInDomains('db.localhost', ['localhost'])).toBe(true);
    expect(isHostInDomains('notlocalhost', ['localhost'])).toBe(false);
    expect(isHostInDomains('localhost.evil.example', ['localhost'])).toBe(false);
  });
});

describe('cloudRef', () => {
  it('is the built-in name or the custom cloud file', () => {
    expect(cloudRef('usgov')).toBe('usgov');
    expect(cloudRef({ customFile: '/etc/pgentra/cloud.json' })).toBe('/etc/pgentra/cloud.json');
    expect(cloudFromRef('china')).toBe('china');
    expect(cloudFromRef('/etc/pgentra/cloud.json')).toEqual({ customFile: '/etc/pgentra/cloud.json' });
  });
});
