// The app:// protocol's path mapping and the CSP header.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppFile, contentTypeFor } from '../../../electron/shell/appProtocol.js';
import { CONTENT_SECURITY_POLICY } from '../../../electron/shell/contentSecurity.js';

const ROOT = path.resolve('/opt/pgentra/renderer');

describe('resolveAppFile', () => {
  it('maps app://pgentra/ paths inside the renderer folder', () => {
    expect(resolveAppFile('app://pgentra/', ROOT, 'pgentra')).toBe(path.join(ROOT, 'index.html'));
    expect(resolveAppFile('app://pgentra/assets/main.js?v=1#x', ROOT, 'pgentra')).toBe(path.join(ROOT, 'assets/main.js'));
  });
  it.each([
    'app://pgentra/../secret.txt',
    'app://pgentra/%2e%2e/%2e%2e/etc/passwd',
    'app://pgentra/..%2f..%2fetc%2fpasswd',
    'app://pgentra/a/%00.js',
    'app://other/index.html',
    'app://pgentra/%E0%A4%A',
  ])('refuses %s', (url) => {
    const f = resolveAppFile(url, ROOT, 'pgentra');
    expect(f === undefined || f.startsWith(ROOT + path.sep)).toBe(true);
    if (url.includes('other') || url.includes('%00') || url.includes('%E0')) expect(f).toBeUndefined();
  });
  it('types files', () => {
    expect(contentTypeFor('a.js')).toMatch(/javascript/);
    expect(contentTypeFor('a.exe')).toBe('application/octet-stream');
  });
});

describe('CSP', () => {
  it('is the strict policy', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
  });
});
