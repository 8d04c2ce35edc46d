// shell.openExternal is only ever called for https URLs on the configured authority host.
import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl } from '../../../electron/base/externalUrl.js';

const AUTH = ['https://login.microsoftonline.com'];

describe('isAllowedExternalUrl', () => {
  it('allows the sign-in page on the authority host', () => {
    expect(isAllowedExternalUrl('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=x&state=y', AUTH)).toBe(true);
    expect(isAllowedExternalUrl('https://LOGIN.microsoftonline.com/x', AUTH)).toBe(true);
    expect(isAllowedExternalUrl('https://login.microsoftonline.com:443/x', AUTH)).toBe(true);
    // a simulator authority with a port, given as host:port
    expect(isAllowedExternalUrl('https://localhost:8443/tenant/oauth2/v2.0/authorize', ['localhost:8443'])).toBe(true);
  });

  it.each([
    ['http', 'http://login.microsoftonline.com/x'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['custom protocol', 'ms-msdt:/id PCWDiagnostic'],
    ['other host', 'https://evil.example/login.microsoftonline.com'],
    ['sub-domain suffix', 'https://login.microsoftonline.com.evil.example/x'],
    ['parent domain', 'https://microsoftonline.com/x'],
    ['userinfo', 'https://login.microsoftonline.com@evil.example/x'],
    ['userinfo with password', 'https://login.microsoftonline.com:pw@evil.example/'],
    ['encoded at', 'https://login.microsoftonline.com%40evil.example/'],
    ['backslash', 'https://evil.example\\@login.microsoftonline.com/'],
    ['newline smuggling', 'https://login.microsoftonline.com\n@evil.example/'],
    ['tab', 'https://login.micro\tsoftonline.com/'],
    ['IDN look-alike (Cyrillic o)', 'https://l\u043egin.microsoftonline.com/x'],
    ['IDN punycode look-alike', 'https://xn--lgin-hxd.microsoftonline.com/x'],
    ['fullwidth dot', 'https://login\uff0emicrosoftonline\uff0ecom.evil.example/'],
    ['other port', 'https://login.microsoftonline.com:8443/x'],
    ['trailing-dot host', 'https://login.microsoftonline.com./x'],
    ['empty', ''],
    ['relative', '/oauth2/authorize'],
    ['IP address', 'https://20.190.128.1/x'],
  ])('refuses %s', (_label, url) => {
    expect(isAllowedExternalUrl(url, AUTH)).toBe(false);
  });

  it('refuses everything when no authority is configured, and ignores non-https authorities', () => {
    expect(isAllowedExternalUrl('https://login.microsoftonline.com/x', [])).toBe(false);
    expect(isAllowedExternalUrl('https://login.microsoftonline.com/x', ['http://login.microsoftonline.com'])).toBe(false);
  });
});
