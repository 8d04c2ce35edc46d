// An admin's managed workstation, end to end, as the built `pgentra` runs there: the built-in public
// cloud behind a corporate proxy (only HTTPS_PROXY set) that inspects TLS (its root and the
// servers' CA in the OS trust store only, no NODE_EXTRA_CA_CERTS), a tenant whose sign-ins do MFA
// only when asked, and Azure Resource Manager's mandatory MFA for writes. Sign-in, Browse Azure, a
// profile from Azure, Allow my IP after one MFA step-up (the simulated browser approves it, or a
// device code), a query as db-admins; a Conditional Access policy that wants MFA for Resource
// Manager alone is answered once, with no loop; refusals say what they are.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, type ConditionalAccessPolicy } from '../sim/types.js';
import { BIN, namespaceOrSkip, startPublicAzure, type PublicAzure, type Run } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;
const ARM = 'https://management.azure.com';

describe.skipIf(skip !== undefined || !keyring)('public cloud: a managed workstation — corporate proxy, TLS inspection, MFA on demand', () => {
  let az: PublicAzure;
  const pgentra = async (args: string[], env?: NodeJS.ProcessEnv): Promise<Run> => {
    const r = await az.pgentra(args, env ? { env } : {});
    expect(r.stdout + r.stderr).not.toMatch(JWT);
    return r;
  };
  const approvals = (): number => az.sim.entra.control.events('mfaApproved').length;
  const browserLog = (): string => {
    try {
      return readFileSync(`${az.dir}/browser.log`, 'utf8');
    } catch {
      return '';
    }
  };

  beforeAll(async () => {
    az = await startPublicAzure({ signInAs: ACCOUNTS.secondary, corporateProxy: true, tlsInspection: true, mfaForArmWrites: true });
  });
  afterEach(() => {
    az?.sim.entra.control.setConditionalAccess([]);
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('the workstation: HTTPS_PROXY and nothing else; Entra is not reachable directly', () => {
    const env = az.env();
    expect(env.HTTPS_PROXY).toBe('http://proxy.contoso.example:3128');
    expect(env.NODE_EXTRA_CA_CERTS).toBeUndefined();
    expect(env.PGENTRA_CLOUD_FILE).toBeUndefined();
    expect(readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8')).toContain(az.sim.inspectionCaPem?.trim().split('\n')[1] ?? 'missing');
  });

  it('login, servers list, profiles add --from-azure, Allow my IP after one MFA step-up, query as db-admins', { timeout: 240_000 }, async () => {
    const login = await pgentra(['login', '--account', ACCOUNTS.secondary]);
    expect(login.code, `${login.stderr}\n${browserLog()}`).toBe(0);
    expect(approvals()).toBe(0); // nothing asked for MFA yet

    const list = await pgentra(['servers', 'list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^myserver\s/m);
    expect(list.stdout).toMatch(/^lockedserver\s/m);

    const prod = await pgentra(['profiles', 'add', 'prod', '--from-azure', 'myserver']);
    expect(prod.code, prod.stderr).toBe(0);
    expect(prod.stdout).toContain('Username: db-admins');
    const locked = await pgentra(['profiles', 'add', 'locked', '--from-azure', 'lockedserver']);
    expect(locked.code, locked.stderr).toBe(0);

    const refused = await pgentra(['query', 'locked', '-c', 'select 1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('pgentra firewall allow-my-ip locked');

    // Azure's mandatory MFA for writes: the sign-in has none, so ARM challenges the PUT; pgEntra says
    // why, opens the (simulated) browser for Resource Manager with the claims, and adds the rule.
    const fix = await pgentra(['firewall', 'allow-my-ip', 'locked', '--yes']);
    expect(fix.code, `${fix.stderr}\n${browserLog()}`).toBe(0);
    expect(fix.stderr).toContain(`Azure requires multi-factor authentication to change firewall rules. Signing in again as ${ACCOUNTS.secondary}`);
    expect(fix.stdout).toMatch(/Added firewall rule pgentra-[\d-]+/);
    expect(fix.stdout).toContain('the firewall lets you in now');
    expect(approvals()).toBe(1);

    const q = await pgentra(['query', 'locked', '-c', 'select current_user', '--csv']);
    expect(q.stderr).toBe('');
    expect(q.stdout.trim().split('\n')).toEqual(['current_user', ACCOUNTS.adminGroup]);
    const q2 = await pgentra(['query', 'prod', '-c', 'select current_user', '--csv']);
    expect(q2.stdout.trim().split('\n')).toEqual(['current_user', ACCOUNTS.adminGroup]);

    // Everything HTTPS went through the proxy (inspected); the database and IMDS never did.
    const connects = az.sim.proxy?.control.connects() ?? [];
    expect(connects.length).toBeGreaterThan(0);
    expect(new Set(connects.map((c) => c.host))).toEqual(new Set(['login.microsoftonline.com', 'management.azure.com']));
    expect(connects.every((c) => c.port === 443 && c.status === 200)).toBe(true);
  });

  it('--device-code: the step-up is a code, approved with MFA on another device', { timeout: 180_000 }, async () => {
    const rules = az.sim.arm.control.firewallRules('lockedserver');
    az.sim.arm.control.setFirewallRules(
      'lockedserver',
      rules.filter((r) => !r.name.startsWith('pgentra-')),
    );
    // A new sign-in without MFA, so the next write is challenged again.
    await pgentra(['logout', '--all']);
    expect((await pgentra(['login', '--account', ACCOUNTS.secondary])).code).toBe(0);
    const before = approvals();
    const child = spawn(process.execPath, [BIN, 'firewall', 'allow-my-ip', 'locked', '--yes', '--device-code'], { env: az.env(), cwd: az.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const userCode = /Code: (\S+)/.exec(stderr)?.[1];
        if (userCode && !stderr.includes('(approved)')) {
          stderr += '(approved)';
          az.sim.entra.control.approveDeviceCode(userCode, ACCOUNTS.secondary, { mfa: true });
        }
      });
      child.on('error', reject);
      child.on('close', resolve);
      setTimeout(() => child.kill('SIGKILL'), 150_000).unref();
    });
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('Azure requires multi-factor authentication to change firewall rules');
    expect(stdout).toMatch(/Added firewall rule pgentra-/);
    expect(approvals()).toBe(before + 1);
  });

  it('a policy wants MFA for Resource Manager only: servers list steps up once for that scope, then asks nothing; the database never asks', { timeout: 180_000 }, async () => {
    await pgentra(['logout', '--all']);
    expect((await pgentra(['login', '--account', ACCOUNTS.secondary])).code).toBe(0);
    const policy: ConditionalAccessPolicy = {
      id: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d',
      displayName: 'Require MFA for Azure management',
      state: 'enabled',
      users: { include: ['db-admins'] },
      resources: { include: [ARM] },
      grant: 'mfa',
    };
    az.sim.entra.control.setConditionalAccess([policy]);
    const before = approvals();
    const q = await pgentra(['query', 'prod', '-c', 'select 1', '--fresh']);
    expect(q.code, q.stderr).toBe(0);
    expect(approvals()).toBe(before);

    const list = await pgentra(['servers', 'list']);
    expect(list.code, `${list.stderr}\n${browserLog()}`).toBe(0);
    expect(list.stderr).toContain('Azure requires multi-factor authentication to list your servers');
    expect(approvals()).toBe(before + 1);
    const again = await pgentra(['servers', 'list']);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('multi-factor');
    expect(approvals()).toBe(before + 1);
  });

  it('Conditional Access refusals say what they are, never "sign in again" or "cancelled"', async () => {
    const base = { id: '5c6d7e8f-9a0b-4c1d-8e2f-3a4b5c6d7e8f', state: 'enabled' as const, users: { include: [ACCOUNTS.secondary] } };
    az.sim.entra.control.setConditionalAccess([{ ...base, displayName: 'Block', grant: 'block' }]);
    const blocked = await pgentra(['token', 'prod', '--fresh']);
    expect(blocked.code).toBe(77);
    expect(blocked.stderr).toContain('Access has been blocked by a Conditional Access policy (AADSTS53003)');
    expect(blocked.stderr).not.toMatch(/cancel|pgentra login/i);

    az.sim.entra.control.setConditionalAccess([{ ...base, displayName: 'Compliant device', grant: 'compliantDevice' }]);
    const device = await pgentra(['token', 'prod', '--fresh']);
    expect(device.code).toBe(77);
    expect(device.stderr).toMatch(/device state|compliant/);
  });
});
