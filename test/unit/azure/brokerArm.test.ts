// The token broker's Azure Resource Manager tokens without Entra: the cache key (distinct, and
// still matched by sign-out's `user|<cloud>|` prefix), the Azure CLI asked for the management
// resource, and a custom cloud without managementEndpoint refused with what to add.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { BUILTIN_CLOUDS } from '../../../shared/clouds.js';

const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-broker-arm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function broker(extra: Partial<ConstructorParameters<typeof TokenBroker>[0]> = {}): TokenBroker {
  return new TokenBroker({ dataDir: path.join(dir, 'home'), memoryCache: true, logger: silentLogger, backgroundRefresh: false, ...extra });
}

describe('token broker: ARM tokens', () => {
  it('keys ARM tokens apart from database tokens, under the same account prefix', () => {
    const b = broker();
    const cred = { kind: 'interactive' as const, account: 'Adm-Alice@contoso.example' };
    const pg = b.keyFor(cred, BUILTIN_CLOUDS.public);
    const arm = b.keyFor(cred, BUILTIN_CLOUDS.public, 'management');
    expect(arm).toBe(`${pg}|arm`);
    expect(arm.startsWith('user|public|')).toBe(true);
    expect(arm.slice('user|public|'.length).split('|')[1]).toBe('adm-alice@contoso.example');
    b.close();
  });

  it('the Azure CLI is asked for the cloud’s management endpoint (US Gov too)', async () => {
    // A stand-in az that answers with the resource it was asked for as the "token".
    const az = path.join(dir, 'az');
    writeFileSync(az, `#!/bin/sh\nwhile [ "$1" != "--resource" ]; do shift; done\nprintf '{"accessToken":"%s","expires_on":%s}' "$2" "$(($(date +%s)+3600))"\n`);
    chmodSync(az, 0o755);
    const b = broker({ azureCliCommand: az });
    expect((await b.getToken({ credential: { kind: 'azure-cli' }, cloud: 'public', resource: 'management' })).token).toBe('https://management.azure.com');
    expect((await b.getToken({ credential: { kind: 'azure-cli' }, cloud: 'usgov', resource: 'management' })).token).toBe('https://management.usgovcloudapi.net');
    expect((await b.getToken({ credential: { kind: 'azure-cli' }, cloud: 'public' })).token).toBe('https://ossrdbms-aad.database.windows.net');
    // Both are remembered, each under its own key.
    expect((await b.getTokenWithSource({ credential: { kind: 'azure-cli' }, cloud: 'public', resource: 'management' })).source).toBe('memory');
    b.close();
  });

  it('a custom cloud file without managementEndpoint: cloud_file_invalid naming the key to add', async () => {
    const file = path.join(dir, 'cloud.json');
    writeFileSync(file, JSON.stringify({ authorityHost: 'https://login.example', resource: 'https://db.example' }));
    const b = broker({ explicitCloudFiles: [file] });
    await expect(b.getToken({ credential: { kind: 'interactive', account: 'a@b.example' }, cloud: file, resource: 'management' })).rejects.toMatchObject({
      code: 'cloud_file_invalid',
      message: expect.stringContaining('has no managementEndpoint'),
      hint: expect.stringContaining('"managementEndpoint"'),
    });
    b.close();
  });
});
