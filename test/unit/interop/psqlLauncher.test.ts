// psql launcher decisions: which root certificate setting psql gets, and which psql arguments
// would move the connection (and the token) to another server.
import { describe, expect, it } from 'vitest';
import { connectionOverrides, parsePsqlVersion, supportsSystemRootCert } from '../../../electron/interop/psqlLauncher.js';

describe('sslrootcert=system', () => {
  const v16 = parsePsqlVersion('psql (PostgreSQL) 16.4');
  const v15 = parsePsqlVersion('psql (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)');
  it('libpq ≥ 16 on Linux and macOS', () => {
    expect(supportsSystemRootCert(v16, 'linux')).toBe(true);
    expect(supportsSystemRootCert(v16, 'darwin')).toBe(true);
    expect(supportsSystemRootCert(v15, 'linux')).toBe(false);
    expect(supportsSystemRootCert(undefined, 'linux')).toBe(false);
  });
  it("never on Windows, where OpenSSL's default store is usually empty: the PEM bundle is used", () => {
    expect(supportsSystemRootCert(v16, 'win32')).toBe(false);
    expect(supportsSystemRootCert(parsePsqlVersion('psql (PostgreSQL) 17.2'), 'win32')).toBe(false);
  });
});

describe('connectionOverrides', () => {
  it('finds host, port and connection strings in every spelling', () => {
    expect(connectionOverrides(['-h', 'x'])).toEqual(['-h x']);
    expect(connectionOverrides(['-hx'])).toEqual(['-hx']);
    expect(connectionOverrides(['--host', 'x'])).toEqual(['--host x']);
    expect(connectionOverrides(['--host=x'])).toEqual(['--host=x']);
    expect(connectionOverrides(['-p', '6432', '--port=1'])).toEqual(['-p 6432', '--port=1']);
    expect(connectionOverrides(['-d', 'host=x dbname=y'])).toEqual(['-d host=x dbname=y']);
    expect(connectionOverrides(['--dbname=postgresql://x/y'])).toEqual(['--dbname=postgresql://x/y']);
    expect(connectionOverrides(['-dpostgres://x'])).toEqual(['-dpostgres://x']);
    expect(connectionOverrides(['service=other'])).toEqual(['service=other']);
    expect(connectionOverrides(['postgresql://evil/db'])).toEqual(['postgresql://evil/db']);
    // getopt spellings: combined short options and abbreviated long options (issue #11).
    expect(connectionOverrides(['-Xh', 'evil'])).toEqual(['-Xh evil']);
    expect(connectionOverrides(['-Xhevil'])).toEqual(['-Xhevil']);
    expect(connectionOverrides(['-Atp', '1'])).toEqual(['-Atp 1']);
    expect(connectionOverrides(['--hos', 'evil', '--po=1'])).toEqual(['--hos evil', '--po=1']);
    expect(connectionOverrides(['-Xd', 'host=evil'])).toEqual(['-Xd host=evil']);
    expect(connectionOverrides(['--db', 'postgresql://evil'])).toEqual(['--db postgresql://evil']);
  });
  it('leaves the same server alone: database and role names, commands and variables with "="', () => {
    expect(connectionOverrides([])).toEqual([]);
    expect(connectionOverrides(['-d', 'otherdb', '-U', 'role', 'db2', 'user2'])).toEqual([]);
    expect(connectionOverrides(['-c', "select 'host=x'", '-v', 'ON_ERROR_STOP=1', '--set=A=1', '-P', 'pager=off', '-Atc', 'select 1'])).toEqual([]);
  });
});
