// Attack: get the proxy to listen beyond loopback without --allow-remote through another spelling
// of "every interface" or of a public address (0, [::], ::ffff:0.0.0.0, zero-padded IPv6, decimal
// and hex IPv4, scoped addresses, trailing-dot or upper-case host names, padding). Safe: each is
// refused (as not loopback or not an IP address); only real loopback addresses pass.
import { describe, expect, it } from 'vitest';
import { checkListenAddress, isLoopbackAddress } from '../../../electron/proxy/addressPolicy.js';
import { PgEntraError } from '../../../shared/errors.js';

describe('listen address spellings without --allow-remote', () => {
  it.each([
    '0',
    '0.0.0.0 ',
    ' 0.0.0.0',
    '[::]',
    '[0:0:0:0:0:0:0:0]',
    '0000:0000:0000:0000:0000:0000:0000:0000',
    '::ffff:0.0.0.0',
    '::ffff:0:0',
    '::ffff:7f00:1', // mapped 127.0.0.1 in hex: refused (conservative) rather than guessed
    '0:0:0:0:0:ffff:c0a8:0101',
    '::127.0.0.1', // IPv4-compatible, deprecated: not loopback
    '2130706433',
    '0x7f000001',
    '127.1',
    '127.0.0.1.nip.io',
    '127.0.0.1%lo',
    'fe80::1%lo',
    'localhost.',
    'LOCALHOST ',
    'localhost.localdomain',
    '169.254.169.254',
    '100.64.0.1',
  ])('"%s" is refused', (a) => {
    expect(() => checkListenAddress(a, false)).toThrow(PgEntraError);
  });

  it.each(['127.0.0.1', '127.255.255.254', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', 'localhost'])('"%s" is loopback', (a) => {
    expect(isLoopbackAddress(a)).toBe(true);
    expect(checkListenAddress(a, false).loopback).toBe(true);
  });
});
