// The Azure CLI credential: the resource from a custom cloud file is validated, and on Windows
// az.cmd runs through `cmd.exe /d /s /c` with every argument escaped for cmd (no `shell: true`).
import { describe, expect, it } from 'vitest';
import { assertSafeAzArgs, azSpawnPlan, getAzureCliToken } from '../../../electron/auth/azureCliCredential.js';
import { BUILTIN_CLOUDS } from '../../../shared/clouds.js';
import { isPgEntraError } from '../../../shared/errors.js';

const errorOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('Azure CLI credential', () => {
  it('accepts the built-in resources and plain https://host[:port] URLs', () => {
    for (const c of Object.values(BUILTIN_CLOUDS)) expect(() => assertSafeAzArgs(c.resource, undefined)).not.toThrow();
    for (const r of ['https://ossrdbms-aad.database.windows.net/', 'https://localhost:8443', 'https://sim.example']) expect(() => assertSafeAzArgs(r, 'contoso.com')).not.toThrow();
  });

  it('refuses a resource with shell metacharacters, a path, query or another scheme', () => {
    for (const r of [
      'https://x.example/&calc.exe',
      'https://x.example/?a=1|whoami',
      'https://x.example^&calc',
      'https://x.example/path',
      'http://x.example',
      'https://user@x.example',
      'https://x.example:80a',
      'https://x.example/ "&calc"',
    ]) {
      const e = errorOf(() => assertSafeAzArgs(r, undefined));
      expect(isPgEntraError(e) && e.code, r).toBe('cloud_file_invalid');
    }
    const e = errorOf(() => assertSafeAzArgs('https://x.example', 'a&b'));
    expect(isPgEntraError(e) && e.code).toBe('invalid_input');
  });

  it('getAzureCliToken validates before spawning anything', async () => {
    const e = await getAzureCliToken({ resource: 'https://x.example/&calc', command: '/nonexistent/az', platform: 'win32' }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(isPgEntraError(e) && e.code).toBe('cloud_file_invalid');
  });

  it('on Windows: cmd.exe /d /s /c with each argument quoted and caret-escaped for a batch file', () => {
    const args = ['account', 'get-access-token', '--resource', 'https://ossrdbms-aad.database.windows.net', '--tenant', 'contoso.com', '--output', 'json'];
    const plan = azSpawnPlan('az.cmd', args, 'win32', { ComSpec: 'C:\\Windows\\system32\\cmd.exe' });
    expect(plan.file).toBe('C:\\Windows\\system32\\cmd.exe');
    expect(plan.windowsVerbatimArguments).toBe(true);
    expect(plan.args.slice(0, 3)).toEqual(['/d', '/s', '/c']);
    expect(plan.args).toHaveLength(4);
    const line = plan.args[3] ?? '';
    expect(line.startsWith('"az.cmd ')).toBe(true);
    expect(line.endsWith('"')).toBe(true);
    // every quote inside is escaped (twice for the batch file), so cmd never enters quote mode
    expect(line.slice(1, -1)).not.toMatch(/(^|[^^])"/);
    expect(line).toContain('^^^"https://ossrdbms-aad.database.windows.net^^^"');
    expect(azSpawnPlan('az.cmd', ['a&b'], 'win32', {}).args[3]).toBe('"az.cmd ^^^"a^^^&b^^^""');
    expect(azSpawnPlan('az.cmd', [], 'win32', {}).file).toBe('cmd.exe');
  });

  it('elsewhere: the program itself with the argument array, no shell', () => {
    const plan = azSpawnPlan('az', ['account', 'a&b'], 'linux');
    expect(plan).toEqual({ file: 'az', args: ['account', 'a&b'], windowsVerbatimArguments: false });
  });
});
