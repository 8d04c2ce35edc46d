// PIM for Groups as an admin runs it, with the built `pgentra` and no cloud file: the secondary ID
// is only *eligible* for db-admins. The "Done when" sequence (list → a refused query that
// names `pgentra pim activate db-admins` → activate --wait → the query as db-admins), an approver
// (pending → exit 80; --wait → approved → connected; denied → exit 81), an authentication context
// answered with an MFA step-up in the simulated browser, a duration over the policy's maximum,
// a tenant that refuses Graph's PIM permissions to the Azure CLI's client id (then the
// organisation's client id), an activation that ended, `pgentra token` after an activation (the
// activation log), and an activation made elsewhere ("in the portal"): the query and the local auth
// proxy retry the refused group login with a token fetched now.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activation, graphToken, graphRequest, PIM_BASE, sleep } from '../sim/graph/test-support.js';
import { PUBLIC_SERVER } from '../sim/publicCloud.js';
import { ACCOUNTS } from '../sim/types.js';
import { BIN, claimsOf, namespaceOrSkip, run, startLocalProxy, startPublicAzure, type PublicAzure, type Run } from './fixture.js';

const skip = namespaceOrSkip();
const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;
const GROUP = ACCOUNTS.adminGroup;
const ORG_CLIENT_ID = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac';
/** How long an activation takes to reach Entra's tokens here (real tenants: seconds to minutes). */
const DELAY_MS = 2_000;

describe.skipIf(skip !== undefined || !keyring)('public cloud: PIM for Groups from the CLI', () => {
  let az: PublicAzure;
  const pgentra = async (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Run> => {
    const r = await az.pgentra(args, { ...opts, timeoutMs: 120_000 });
    expect(r.stdout + r.stderr).not.toMatch(JWT);
    return r;
  };
  const browserLog = (): string => {
    try {
      return readFileSync(path.join(az.dir, 'browser.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const endActivation = (): void => {
    try {
      az.sim.graph.control.expireActivation(ACCOUNTS.secondary, GROUP);
    } catch {
      // none active
    }
  };
  const activationLog = (): { activations: { account: string; group: string; activatedAt: string; endsAt?: string }[] } =>
    JSON.parse(readFileSync(path.join(az.home, 'pim-activations.json'), 'utf8')) as { activations: { account: string; group: string; activatedAt: string; endsAt?: string }[] };
  const lastRequest = () => az.sim.graph.control.pimRequests().at(-1);
  /** `pgentra token prod`: the only command here whose output is a token. */
  const token = (): Promise<Run> => az.pgentra(['token', 'prod']);

  /** Runs pgentra, calling `onStderr` with everything printed so far each time stderr grows. */
  function interactive(args: string[], onStderr: (soFar: string) => void): Promise<Run> {
    const child = spawn(process.execPath, [BIN, ...args], { env: az.env(), cwd: az.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    return new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    az = await startPublicAzure({ signInAs: ACCOUNTS.secondary, pimEligible: [{ upn: ACCOUNTS.secondary, group: GROUP }], pimActivationDelayMs: DELAY_MS });
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('Done when: pim list shows db-admins eligible; the query names `pgentra pim activate db-admins`; activate --wait; the query runs as db-admins', { timeout: 240_000 }, async () => {
    const login = await pgentra(['login', '--account', ACCOUNTS.secondary]);
    expect(login.code, `${login.stderr}\n${browserLog()}`).toBe(0);
    const add = await pgentra(['profiles', 'add', 'prod', '--host', PUBLIC_SERVER, '--user', GROUP, '--account', ACCOUNTS.secondary]);
    expect(add.code, add.stderr).toBe(0);

    const list = await pgentra(['pim', 'list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ group: GROUP, state: 'eligible', endDateTime: null })]);
    const table = await pgentra(['pim', 'list']);
    expect(table.stdout).toMatch(/^GROUP\s+STATE\s+END\n/);
    expect(table.stdout).toMatch(/^db-admins\s+eligible\s+permanent$/m);

    const refused = await pgentra(['query', 'prod', '-c', 'select 1']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`refused the login as db-admins: for the server, ${ACCOUNTS.secondary} is not an active member of db-admins.`);
    expect(refused.stderr).not.toContain('pgaadauth_create_principal');
    expect(refused.stderr).toContain(`In Privileged Identity Management (PIM), ${ACCOUNTS.secondary} is eligible for db-admins but the membership is not active. Activate it:`);
    expect(refused.stderr).toContain('pgentra pim activate db-admins');

    // A token from before the activation, to compare with the one after it.
    const before = await token();
    expect(before.code, before.stderr).toBe(0);
    expect(claimsOf(before.stdout.trim()).groups ?? []).not.toContain(az.sim.state.groups.find((g) => g.displayName === GROUP)?.objectId);

    const act = await pgentra(['pim', 'activate', GROUP, '--duration', '1h', '--reason', 'change 42', '--wait']);
    expect(act.code, act.stderr).toBe(0);
    expect(act.stderr).toContain(`Requesting the activation of db-admins for 1 h as ${ACCOUNTS.secondary}`);
    expect(act.stderr).toMatch(/Active until \d\d:\d\d \((59|60) min\): db-admins/);
    expect(act.stderr).toContain(`Waiting for ${PUBLIC_SERVER} to accept the login as db-admins (profile prod) with a fresh token`);
    expect(act.stderr).toMatch(/Waiting for the server \(attempt 1\)/); // the activation takes DELAY_MS to reach tokens
    expect(act.stderr).toContain(`Connected to ${PUBLIC_SERVER} as db-admins.`);
    expect(act.stdout).toMatch(/^db-admins is active until \d\d:\d\d; myserver\.postgres\.database\.azure\.com accepts the login as db-admins \(profile prod\)\.\n$/);
    expect(lastRequest()).toMatchObject({ upn: ACCOUNTS.secondary, group: GROUP, status: 'Provisioned', justification: 'change 42', durationMs: 3_600_000 });

    const q = await pgentra(['query', 'prod', '-c', 'select current_user']);
    expect(q.stderr).toBe('');
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/current_user\s*\n-+\s*\n db-admins\s*\n\(1 row\)/);

    const status = await pgentra(['pim', 'status']);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/Active:\n\s+GROUP\s+END\s+LEFT\n\s+db-admins\s+\S+ \d\d:\d\d\s+(59|60) min/);
    expect(status.stdout).toMatch(/Activated on this computer:\n\s+GROUP\s+ACTIVATED\s+END\n\s+db-admins\s+/);
  });

  it('an activation that ended: a new login is refused with the advice to activate again; `pgentra token` after a new activation is issued after it', { timeout: 240_000 }, async () => {
    endActivation();
    // A new login: a token that still carries the group (issued during the activation) would be let in until it expires.
    const refused = await pgentra(['query', 'prod', '-c', 'select 1', '--fresh']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/In Privileged Identity Management \(PIM\), the activation of db-admins made on this computer at \d\d:\d\d has ended/);
    expect(refused.stderr).toContain('Activate it again: pgentra pim activate db-admins --reason "…" --wait, then run the query again.');

    // The cached token (issued after the first activation) is what `pgentra token` serves now …
    const cached = await token();
    expect(cached.code, cached.stderr).toBe(0);
    const again = await token();
    expect(again.stdout).toBe(cached.stdout);
    // … until an activation is recorded: then only a token issued after it (no --wait here).
    const act = await pgentra(['pim', 'activate', GROUP, '--reason', 'change 43', '--json']);
    expect(act.code, act.stderr).toBe(0);
    expect(JSON.parse(act.stdout)).toMatchObject({ group: GROUP, status: 'Provisioned', account: ACCOUNTS.secondary, connected: null, requestId: lastRequest()?.id });
    const activatedAt = Date.parse(activationLog().activations.at(-1)?.activatedAt ?? '');
    const after = await token();
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).not.toBe(cached.stdout);
    expect(Number(claimsOf(after.stdout.trim()).iat) * 1000).toBeGreaterThanOrEqual(Math.floor(activatedAt / 1000) * 1000);
    expect(Number(claimsOf(cached.stdout.trim()).iat) * 1000).toBeLessThan(activatedAt);
    endActivation();
  });

  it('an approver: pending → exit 80 and how to check; --wait follows it until approved and connected; a denial → exit 81', { timeout: 240_000 }, async () => {
    az.sim.graph.control.setPimPolicy(GROUP, { approvalRequired: true, approvers: [ACCOUNTS.primary] });
    try {
      const pending = await pgentra(['pim', 'activate', GROUP, '--reason', 'change 44', '--json']);
      expect(pending.code).toBe(80);
      expect(pending.stderr).toContain('Pending approval: the activation waits for an approver');
      expect(pending.stderr).toContain('The activation of db-admins still waits for an approver.');
      expect(pending.stderr).toContain('pgentra pim activate db-admins --reason "…" --wait follows this request');
      const requestId = lastRequest()?.id;
      expect(JSON.parse(pending.stdout)).toMatchObject({ requestId, status: 'PendingApproval', group: GROUP });

      const status = await pgentra(['pim', 'status', '--json']);
      expect(JSON.parse(status.stdout)).toMatchObject({ pending: [{ requestId, group: GROUP, status: 'PendingApproval' }] });

      // --wait follows the request that waits (no second request) until an approver approves it.
      let approved = false;
      const waited = await interactive(['pim', 'activate', GROUP, '--reason', 'change 44', '--wait'], (err) => {
        if (!approved && err.includes('Pending approval')) {
          approved = true;
          az.sim.graph.control.approvePimRequest(requestId ?? '');
        }
      });
      expect(waited.code, waited.stderr).toBe(0);
      expect(waited.stderr).toContain('Waiting for the decision');
      expect(waited.stderr).toContain(`Connected to ${PUBLIC_SERVER} as db-admins.`);
      expect(az.sim.graph.control.pimRequests().filter((r) => r.action === 'selfActivate' && r.justification === 'change 44')).toHaveLength(1);
      endActivation();

      let denied = false;
      const refused = await interactive(['pim', 'activate', GROUP, '--reason', 'change 45', '--wait'], (err) => {
        if (!denied && err.includes('Pending approval')) {
          denied = true;
          az.sim.graph.control.denyPimRequest(lastRequest()?.id ?? '');
        }
      });
      expect(refused.code).toBe(81);
      expect(refused.stderr).toContain('pgentra pim: The activation of db-admins was denied. Ask the approver why, or request it again with another reason.');
    } finally {
      az.sim.graph.control.setPimPolicy(GROUP, { approvalRequired: false, approvers: [] });
      endActivation();
    }
  });

  it('an authentication context: PIM asks for MFA, pgentra steps up for Microsoft Graph in the browser and activates', { timeout: 240_000 }, async () => {
    // Sign-ins without MFA unless asked (as on a managed workstation), then the group's policy wants the context c1.
    az.sim.entra.control.setMfaByDefault(false);
    await pgentra(['logout', '--all']);
    expect((await pgentra(['login', '--account', ACCOUNTS.secondary])).code).toBe(0);
    az.sim.graph.control.setPimPolicy(GROUP, { authenticationContext: 'c1' });
    try {
      const before = az.sim.entra.control.events('mfaApproved').length;
      const act = await pgentra(['pim', 'activate', GROUP, '--reason', 'change 46', '--wait']);
      expect(act.code, `${act.stderr}\n${browserLog()}`).toBe(0);
      expect(act.stderr).toContain(`Microsoft Entra ID requires multi-factor authentication to activate db-admins. Signing in again as ${ACCOUNTS.secondary}`);
      expect(act.stderr).toContain('Connected to');
      expect(az.sim.entra.control.events('mfaApproved').length).toBe(before + 1);
      expect(
        az.sim.graph.control
          .pimRequests()
          .filter((r) => r.justification === 'change 46')
          .map((r) => r.status),
      ).toEqual(['Provisioned']);
    } finally {
      az.sim.graph.control.setPimPolicy(GROUP, { authenticationContext: null });
      az.sim.entra.control.setMfaByDefault(true);
      endActivation();
    }
  });

  it("a duration over the policy's maximum, a missing reason, a group the account is not eligible for", async () => {
    const long = await pgentra(['pim', 'activate', GROUP, '--duration', '9h', '--reason', 'change 47']);
    expect(long.code).toBe(64);
    expect(long.stderr).toContain('The PIM policy of db-admins refused the activation (ExpirationRule).');
    expect(long.stderr).toContain('--duration');
    const noReason = await pgentra(['pim', 'activate', GROUP]);
    expect(noReason.code).toBe(64);
    expect(noReason.stderr).toContain('It needs a reason (--reason).');
    const other = await pgentra(['pim', 'activate', ACCOUNTS.readerGroup, '--reason', 'x']);
    expect(other.code).toBe(82);
    expect(other.stderr).toContain(`${ACCOUNTS.secondary} is not eligible for db-readers in PIM. Eligible: db-admins.`);
    const bad = await pgentra(['pim', 'activate', GROUP, '--duration', 'soon']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('"soon" is not a duration: write 2h, 90m or 1h30m.');
  });

  it("no Graph consent for the Azure CLI's client id: a message naming the permissions and the own client id; the organisation's app then works", { timeout: 240_000 }, async () => {
    az.sim.entra.control.setRefuseFirstPartyGraphScopes(true);
    try {
      await pgentra(['logout', '--all']);
      expect((await pgentra(['login', '--account', ACCOUNTS.secondary])).code).toBe(0);
      const refused = await pgentra(['pim', 'list']);
      expect(refused.code).toBe(77);
      expect(refused.stderr).toContain("does not give the Azure CLI's client id");
      expect(refused.stderr).toContain('AADSTS65002');
      expect(refused.stderr).toContain('PrivilegedEligibilitySchedule.Read.AzureADGroup and PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup');
      expect(refused.stderr).toContain('pgentra settings set client-id.public <id>');
      // The refused query still explains itself; the PIM check fails quietly.
      const q = await pgentra(['query', 'prod', '-c', 'select 1']);
      expect(q.code).toBe(1);
      expect(q.stderr).toContain(`Account ${ACCOUNTS.secondary} is not a member of group db-admins`);
      expect(q.stderr).not.toContain('AADSTS65002');

      expect((await pgentra(['settings', 'set', 'client-id.public', ORG_CLIENT_ID])).code).toBe(0);
      const login = await pgentra(['login', '--account', ACCOUNTS.secondary]);
      expect(login.code, `${login.stderr}\n${browserLog()}`).toBe(0);
      const list = await pgentra(['pim', 'list', '--json']);
      expect(list.code, list.stderr).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ group: GROUP, state: 'eligible' })]);
      const act = await pgentra(['pim', 'activate', GROUP, '--reason', 'change 48', '--wait']);
      expect(act.code, act.stderr).toBe(0);
      const who = await pgentra(['query', 'prod', '-c', 'select current_user', '--csv']);
      expect(who.stdout.trim().split('\n')).toEqual(['current_user', GROUP]);
    } finally {
      az.sim.entra.control.setRefuseFirstPartyGraphScopes(false);
      await pgentra(['settings', 'unset', 'client-id.public']);
      await pgentra(['logout', '--all']);
      expect((await pgentra(['login', '--account', ACCOUNTS.secondary])).code).toBe(0);
      endActivation();
    }
  });

  it(
    'an activation made elsewhere (the portal): once the cached token is over a minute old, the local auth proxy retries the refused group login with a token fetched now',
    { timeout: 240_000 },
    async () => {
      // A token without the group, cached: fetched now, while the membership is not active.
      const refused = await pgentra(['query', 'prod', '-c', 'select 1', '--fresh']);
      expect(refused.code).toBe(1);
      const fetchedAt = Date.now();
      const proxy = await startLocalProxy(az, 'prod', { port: 16433, user: GROUP });
      try {
        const env = proxy.env;
        // That token was issued moments ago: a new one would carry the same groups, so none is fetched.
        const psqlRefused = await run('psql', ['-X', '-A', '-t', '-c', 'select current_user'], { env });
        expect(psqlRefused.code).not.toBe(0);
        expect(psqlRefused.stderr).toContain('(a token fetched just now was refused too)');
        expect(psqlRefused.stderr).toContain('If your membership in db-admins is eligible in Privileged Identity Management (PIM) rather than active, activate it — pgentra pim activate db-admins');
        const proxyLog = (): string => readFileSync(path.join(az.home, 'logs', 'proxy.log'), 'utf8');
        // The proxy's log is written asynchronously: psql may have its answer before the line lands.
        await expect.poll(proxyLog, { timeout: 10_000 }).toContain('the refused token was issued moments ago');
        expect(proxyLog()).not.toContain('retrying with a token fetched now');

        // Activated in the portal: this computer's activation log knows nothing of it.
        const adm = az.sim.state.accounts.find((a) => a.upn === ACCOUNTS.secondary)?.objectId ?? '';
        const admins = az.sim.state.groups.find((g) => g.displayName === GROUP)?.objectId ?? '';
        const portal = await graphRequest({ endpoint: az.sim.graph.endpoint, caFile: az.sim.caFile }, `${PIM_BASE}/assignmentScheduleRequests`, {
          token: graphToken(az.sim, ACCOUNTS.secondary),
          body: activation(adm, admins),
        });
        expect(portal.status, portal.text).toBe(201);
        // The activation reaches tokens after DELAY_MS; the cached token is "fetched moments ago" for a minute.
        await sleep(Math.max(DELAY_MS + 500, fetchedAt + 62_000 - Date.now()));

        const psql = await run('psql', ['-X', '-A', '-t', '-c', 'select current_user'], { env });
        expect(psql.stderr).toBe('');
        expect(psql.stdout.trim()).toBe(GROUP);
        await expect.poll(proxyLog, { timeout: 10_000 }).toContain('server refused the group login; retrying with a token fetched now');

        const q = await pgentra(['query', 'prod', '-c', 'select current_user', '--csv']);
        expect(q.stderr).toBe('');
        expect(q.stdout.trim().split('\n')).toEqual(['current_user', GROUP]);
      } finally {
        await proxy.stop();
        endActivation();
      }
    },
  );
});
