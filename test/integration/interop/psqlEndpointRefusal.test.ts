// What `pgentra psql` now knows about psql's refusals: the endpoint's proxy sees the server's
// answer, so the PIM advice after psql follows a refused login as it happened (not psql's exit
// code 2, which also means an unreachable server or a typo). A TLS front end plays the server.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, TokenProvider, TokenRequest } from '../../../electron/auth/tokenProvider.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { startPsqlEndpoint } from '../../../electron/interop/psqlEndpoint.js';
import type { ProxyProfile } from '../../../electron/proxy/index.js';
import { frontProfile, startRefusingFront, type RefusingFront } from '../sessions/refusingFront.js';

class StandInTokens implements TokenProvider {
  async getToken(_req: TokenRequest): Promise<AccessToken> {
    return { token: 'not-a-real-token', expiresOn: new Date(Date.now() + 3600_000), account: 'adm-alice@contoso.example' };
  }
}

let front: RefusingFront;
let home: string;

beforeAll(async () => {
  front = await startRefusingFront();
  home = mkdtempSync(path.join(os.tmpdir(), 'pgentra-endpoint-refusal-'));
  await trustCloudFile(home, front.cloudFile);
});

afterAll(async () => {
  await front?.close();
  rmSync(home, { recursive: true, force: true });
});

function profile(): ProxyProfile {
  return frontProfile(front, '44444444-4444-4444-8444-444444444444', 'pgEntra-endpoint-test');
}

function psql(env: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    execFile('psql', ['-X', '-w', '-Atc', 'select 1'], { env: { PATH: process.env.PATH, ...env, PGUSER: 'db-admins', PGDATABASE: 'postgres' }, timeout: 60_000 }, (_e, _out, err) =>
      resolve(String(err)),
    );
  });
}

describe('the psql endpoint reports the refusal it saw', () => {
  it('a refused group login (28P01) is a membership refusal; a firewall refusal is not', async () => {
    front.mode = 'deny-after-password';
    const denied = await startPsqlEndpoint({ profile: profile(), tokenProvider: new StandInTokens(), dataDir: home, transport: 'unix' });
    try {
      expect(denied.membershipRefused()).toBe(false);
      const err = await psql(denied.env);
      expect(err).toMatch(/db-admins/);
      expect(front.passwords).toBeGreaterThan(0);
      expect(denied.membershipRefused()).toBe(true);
    } finally {
      await denied.close();
    }

    front.mode = 'firewall';
    const firewall = await startPsqlEndpoint({ profile: profile(), tokenProvider: new StandInTokens(), dataDir: home, transport: 'unix' });
    try {
      const err = await psql(firewall.env);
      expect(err).toMatch(/no pg_hba\.conf entry|firewall/i);
      expect(firewall.membershipRefused()).toBe(false);
    } finally {
      await firewall.close();
    }
  });
});
