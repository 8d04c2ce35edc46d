// Claims challenges against the simulated enterprise tenant (localhost mode), with real MSAL, the
// real keychain and the Azure SDK: Azure's mandatory MFA for writes (ARM's 401 insufficient_claims)
// and a Conditional Access policy that asks MFA for Resource Manager only. Each is answered by one
// step-up for the scope that failed — never by signing in for the database again, which succeeds
// without MFA and changes nothing (the loop of Azure/azure-cli#16989).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StepUpRequired, stepUpOf, withStepUp, type ClaimsChallenge } from '../../../electron/auth/stepUp.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { describeToken } from '../../../electron/auth/describeToken.js';
import { createAzureService } from '../../../electron/azure/index.js';
import type { AzureService } from '../../../electron/azure/azureService.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { openProfileStore } from '../../../electron/profiles/profileAccess.js';
import type { Profile } from '../../../shared/profile.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ACCOUNTS, type ConditionalAccessPolicy } from '../../sim/types.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';

let sim: SimulatedAzure;
let home: string;
let caCertPem: string;
let broker: TokenBroker;
let azure: AzureService;

/** The person in the browser: picks `upn` on the chooser and approves MFA when Entra asks for it. */
const browser = (upn: string) => ({ openBrowser: async (url: string) => void completeSignInHeadless(url, { caCertPem, upn }).catch(() => undefined) });
const amr = (jwt: string): unknown => (JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { amr?: unknown }).amr;

beforeAll(async () => {
  if (!keyring) return;
  sim = await startSimulatedAzure({ autoApprove: null, mfaForArmWrites: true });
  home = mkdtempSync(path.join(tmpdir(), 'pgentra-stepup-'));
  await trustCloudFile(home, sim.stateFile);
  caCertPem = readFileSync(sim.caFile, 'utf8');
  broker = new TokenBroker({ dataDir: home, logger: silentLogger });
  azure = createAzureService({ tokens: broker, dataDir: home, logger: silentLogger });
});
afterEach(() => {
  sim?.entra.control.setConditionalAccess([]);
});
afterAll(async () => {
  if (!home) return;
  await broker.signOut(sim.stateFile, { all: true }).catch(() => undefined);
  broker.close();
  await sim?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!keyring)('step-up for the scope that failed', () => {
  it('Allow my IP with a sign-in without MFA: ARM challenges the write, one browser step-up for Resource Manager, the rule is added; the next write asks nothing', async () => {
    await broker.signInInteractive(sim.stateFile, { loginHint: ACCOUNTS.secondary, ...browser(ACCOUNTS.secondary) });
    const caller = { cloud: sim.stateFile, credential: { kind: 'interactive' as const, account: ACCOUNTS.secondary } };
    // Reading needs no MFA: the profile comes from Azure as usual.
    const proposal = await azure.proposeProfile(caller, 'lockedserver', { name: 'locked' });
    // On localhost the server's Azure name is outside the simulated cloud's domains: confirmed, as a person would.
    const profile: Profile = await openProfileStore(home).create({ ...proposal.profile, confirmations: { nonAzureHost: true } });
    expect(amr((await broker.getToken({ ...caller, resource: 'management' })).token)).not.toContain('mfa');

    const refused = await azure.allowIp(profile, '198.51.100.7').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StepUpRequired);
    expect(refused).toMatchObject({ code: 'mfa_required', details: { resource: 'management' } });
    const challenge = stepUpOf(refused) as ClaimsChallenge;
    expect(challenge).toMatchObject({ resource: 'management', account: ACCOUNTS.secondary });
    expect(JSON.parse(challenge.claims ?? '{}')).toHaveProperty('access_token');
    expect(sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).not.toContain('pgentra-198-51-100-7');

    sim.entra.control.resetCounters();
    let stepUps = 0;
    const rule = await withStepUp(
      () => azure.allowIp(profile, '198.51.100.7'),
      async (c) => {
        stepUps++;
        await broker.stepUp(c, browser(ACCOUNTS.secondary));
      },
    );
    expect(stepUps).toBe(1);
    expect(rule.ruleName).toBe('pgentra-198-51-100-7');
    expect(sim.arm.control.firewallRules('lockedserver').map((r) => r.name)).toContain('pgentra-198-51-100-7');
    expect(sim.entra.control.events('mfaApproved')).toHaveLength(1);
    // The stepped-up token is the one the broker hands out now, for ARM only.
    const arm = await broker.getToken({ ...caller, resource: 'management' });
    expect(amr(arm.token)).toContain('mfa');
    expect(describeToken(arm.token).aud).toBe(sim.arm.endpoint);

    // Another write: no challenge, no browser.
    const again = await withStepUp(
      () => azure.allowIp(profile, '198.51.100.8'),
      async () => {
        throw new Error('no second step-up expected');
      },
    );
    expect(again.ruleName).toBe('pgentra-198-51-100-8');
    expect(sim.entra.control.events('mfaApproved')).toHaveLength(1);
  });

  it('MFA for Resource Manager only (Conditional Access): the database keeps working, signing in for the database does not help, one step-up for ARM does', async () => {
    const upn = ACCOUNTS.primary;
    await broker.signInInteractive(sim.stateFile, { loginHint: upn, ...browser(upn) });
    const caller = { cloud: sim.stateFile, credential: { kind: 'interactive' as const, account: upn } };
    const policy: ConditionalAccessPolicy = {
      id: '7b1e2c3d-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
      displayName: 'Require MFA for Azure management',
      state: 'enabled',
      users: { include: ['All'] },
      resources: { include: [sim.arm.endpoint] },
      grant: 'mfa',
    };
    sim.entra.control.setConditionalAccess([policy]);
    const approvedBefore = sim.entra.control.events('mfaApproved').length;
    const approvals = (): number => sim.entra.control.events('mfaApproved').length - approvedBefore;

    const listFails = async (): Promise<ClaimsChallenge> => {
      const e = await azure.listServers(caller).catch((err: unknown) => err);
      expect(e).toMatchObject({ code: 'mfa_required', details: { resource: 'management', aadsts: 'AADSTS50076' } });
      expect((e as Error).message).toContain('Azure Resource Manager');
      expect((e as { hint?: string }).hint).toContain('--scope management');
      return stepUpOf(e) as ClaimsChallenge;
    };
    const first = await listFails();
    expect(first.resource).toBe('management');
    // The database token is untouched by a policy on management.
    expect((await broker.getToken({ ...caller, fresh: true })).account).toBe(upn);

    // The old advice, `pgentra login` (the database scope): it succeeds without MFA, and ARM still refuses.
    await broker.signInInteractive(sim.stateFile, { loginHint: upn, prompt: 'login', ...browser(upn) });
    expect(approvals()).toBe(0);
    const second = await listFails();

    // The step-up for the scope that failed: one MFA prompt, then the listing works.
    await broker.stepUp(second, browser(upn));
    expect(approvals()).toBe(1);
    const listing = await azure.listServers(caller);
    expect(listing.subscriptions.length).toBeGreaterThan(0);
  });

  it('a step-up answered by another account on the page is refused: the other token never serves the challenged account', async () => {
    const upn = ACCOUNTS.secondary;
    const caller = { cloud: sim.stateFile, credential: { kind: 'interactive' as const, account: upn } };
    const challenge: ClaimsChallenge = { cloud: sim.stateFile, resource: 'management', credential: caller.credential, account: upn };
    const before = await broker.getToken({ ...caller, resource: 'management' });
    // The person picks alice on the chooser instead.
    const e = await broker.stepUp(challenge, browser(ACCOUNTS.primary)).catch((err: unknown) => err);
    expect(e).toMatchObject({ code: 'sign_in_failed', message: expect.stringContaining(`You signed in as ${ACCOUNTS.primary}, but ${upn} was asked for`) });
    const after = await broker.getToken({ ...caller, resource: 'management' });
    expect(describeToken(after.token).upn).toBe(upn);
    expect(after.token).toBe(before.token);
  });
});
