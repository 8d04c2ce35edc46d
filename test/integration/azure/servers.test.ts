// `pgentra servers`, `profiles add --from-azure` and `firewall allow-my-ip` in-process through the
// dispatcher, against the simulated Entra ID and Azure Resource Manager (localhost mode, the sim's
// state file as --cloud), real MSAL and the real keychain: the ARM token comes from the same
// sign-in as the database token. No token is ever printed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../electron/cli/dispatcher.js';
import { ServerShowSchema } from '../../../electron/cli/commands/servers.js';
import { TokenBroker } from '../../../electron/auth/tokenBroker.js';
import { trustCloudFile } from '../../../electron/connect/cloudTrust.js';
import { silentLogger } from '../../../electron/log/logger.js';
import { ProfileSchema } from '../../../shared/profile.js';
import { ServerListingSchema, type FindingId } from '../../../shared/azure.js';
import { SUBSCRIPTIONS } from '../../sim/arm/index.js';
import { completeSignInHeadless } from '../../sim/entra/index.js';
import { startSimulatedAzure, type SimulatedAzure } from '../../sim/index.js';
import { ACCOUNTS } from '../../sim/types.js';

const keyring = process.env.PGENTRA_KEYRING_READY === '1';
const JWT = /eyJ[\w-]{10,}\.[\w-]{10,}\./;

let sim: SimulatedAzure;
let home: string;
const tokens: string[] = [];

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(argv: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_HOME: home };
  delete env.PGENTRA_CLOUD_FILE;
  const code = await runCli([...argv, '--cloud', sim.stateFile], { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: home });
  for (const t of tokens) expect(out + err).not.toContain(t);
  expect(out + err).not.toMatch(JWT);
  return { code, out, err };
}

const serverId = (name: string, sub: string = SUBSCRIPTIONS.production, rg = 'rg-data'): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.DBforPostgreSQL/flexibleServers/${name}`;

beforeAll(async () => {
  if (!keyring) return;
  sim = await startSimulatedAzure({ autoApprove: null });
  home = mkdtempSync(path.join(tmpdir(), 'pgentra-azure-'));
  await trustCloudFile(home, sim.stateFile);
  const broker = new TokenBroker({ dataDir: home, logger: silentLogger });
  const caCertPem = readFileSync(sim.caFile, 'utf8');
  for (const upn of [ACCOUNTS.secondary, ACCOUNTS.primary]) {
    await broker.signInInteractive(sim.stateFile, { loginHint: upn, openBrowser: async (url) => void completeSignInHeadless(url, { caCertPem, upn }).catch(() => undefined) });
    for (const resource of ['postgres', 'management'] as const) tokens.push((await broker.getToken({ credential: { kind: 'interactive', account: upn }, cloud: sim.stateFile, resource })).token);
  }
  broker.close();
});

afterAll(async () => {
  if (!home) return;
  const b = new TokenBroker({ dataDir: home, logger: silentLogger });
  await b.signOut(sim.stateFile, { all: true }).catch(() => undefined);
  b.close();
  await sim?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!keyring)('pgentra servers (simulated ARM)', () => {
  it('the ARM token is a separate token of the same sign-in, for the management endpoint', () => {
    const claims = (t: string): Record<string, unknown> => JSON.parse(Buffer.from(t.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims(tokens[0] ?? '').aud).toBe('https://ossrdbms-aad.database.windows.net');
    expect(claims(tokens[1] ?? '').aud).toBe(sim.arm.endpoint);
    expect(claims(tokens[1] ?? '').upn).toBe(ACCOUNTS.secondary);
  });

  it('servers list: every page of every subscription, one table, and the 403 subscription as a note', async () => {
    sim.arm.control.resetCounters();
    const r = await cli(['servers', 'list', '--account', ACCOUNTS.secondary]);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+RESOURCE GROUP\s+SUBSCRIPTION\s+LOCATION\s+VERSION\s+STATE\s+ENTRA\s+NETWORK\s+FQDN$/);
    const names = lines.slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names.sort()).toEqual(['devserver', 'entraoffserver', 'lockedserver', 'myserver', 'otherserver', 'stoppedserver']);
    expect(r.out).toMatch(/^myserver\s+rg-data\s+Contoso Production\s+westeurope\s+16\s+Ready\s+on\s+public\s+myserver\.postgres\.database\.azure\.com$/m);
    expect(r.out).toMatch(/^entraoffserver\s.*\soff\s+public\s/m);
    expect(r.out).toMatch(/^devserver\s+rg-dev\s+Contoso Dev\s.*\svnet\s/m);
    expect(r.err).toMatch(/^note: .*Fabrikam Shared \(a8c2f0e1-5d4b-4c6a-9e2f-3b7d1c9e8f40\).*403 AuthorizationFailed/m);
    // Production's five servers are two pages of three.
    expect(sim.arm.control.requestCount('servers')).toBe(4);
  });

  it('--json is the shared ServerListing shape; --subscription lists one', async () => {
    const r = await cli(['servers', 'list', '--account', ACCOUNTS.secondary, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    const listing = ServerListingSchema.parse(JSON.parse(r.out));
    expect(listing.subscriptions.map((s) => s.displayName).sort()).toEqual(['Contoso Dev', 'Contoso Production', 'Fabrikam Shared']);
    expect(listing.servers).toHaveLength(6);
    expect(listing.notes).toEqual([expect.objectContaining({ subscriptionId: SUBSCRIPTIONS.shared, code: 'forbidden' })]);
    const dev = await cli(['servers', 'list', '--account', ACCOUNTS.secondary, '--subscription', SUBSCRIPTIONS.dev, '--json']);
    expect(ServerListingSchema.parse(JSON.parse(dev.out)).servers.map((s) => s.name)).toEqual(['devserver']);
  });

  it('one 429 with Retry-After is waited out', async () => {
    sim.arm.control.throttleNext(1, 1);
    const started = Date.now();
    const r = await cli(['servers', 'list', '--account', ACCOUNTS.secondary, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(ServerListingSchema.parse(JSON.parse(r.out)).servers).toHaveLength(6);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('with two accounts signed in and no --account: says to choose', async () => {
    const r = await cli(['servers', 'list']);
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/Several accounts are signed in .*--account/);
  });

  it.each<[string, FindingId | 'no finding']>([
    ['myserver', 'no finding'],
    ['stoppedserver', 'server_stopped'],
    ['entraoffserver', 'entra_disabled'],
    ['devserver', 'private_network'],
  ])('servers show %s: settings, admins and %s', async (name, finding) => {
    const r = await cli(['servers', 'show', name, '--account', ACCOUNTS.secondary, '--json']);
    expect(r.code, r.err).toBe(0);
    const d = ServerShowSchema.parse(JSON.parse(r.out));
    expect(d.server.name).toBe(name);
    expect(d.findings.map((f) => f.id)).toEqual(finding === 'no finding' ? [] : [finding]);
    if (name !== 'entraoffserver') expect(d.admins?.map((a) => a.principalName)).toEqual([ACCOUNTS.adminGroup]);
    const text = await cli(['servers', 'show', name, '--account', ACCOUNTS.secondary]);
    expect(text.out).toContain(`Name            ${name}`);
    if (finding !== 'no finding') expect(text.out).toMatch(/Before connecting:\n {2}\[(error|warning)\] /);
  });

  it('servers show by host name and by resource id; an unknown name says how to list', async () => {
    const byHost = await cli(['servers', 'show', 'otherserver.postgres.database.azure.com', '--account', ACCOUNTS.secondary, '--json']);
    expect(ServerShowSchema.parse(JSON.parse(byHost.out)).admins?.map((a) => a.principalName)).toEqual([ACCOUNTS.adminGroup, ACCOUNTS.secondary]);
    const byId = await cli(['servers', 'show', serverId('devserver', SUBSCRIPTIONS.dev, 'rg-dev'), '--account', ACCOUNTS.secondary, '--json']);
    expect(ServerShowSchema.parse(JSON.parse(byId.out)).server.privateNetwork).toBe(true);
    const none = await cli(['servers', 'show', 'nosuchserver', '--account', ACCOUNTS.secondary]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/No flexible server "nosuchserver" in the 3 subscription\(s\) adm-alice@contoso\.example can read.*pgentra servers list/);
  });
});

describe.skipIf(!keyring)('pgentra profiles add --from-azure (simulated ARM)', () => {
  it('myserver: db-admins proposed from the token’s groups claim, the account pinned, the server remembered', async () => {
    const r = await cli(['profiles', 'add', 'az-prod', '--from-azure', 'myserver', '--account', ACCOUNTS.secondary, '--allow-non-azure-host']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Username: db-admins — a Microsoft Entra admin group your account is in');
    expect(r.out).toContain(`Account: ${ACCOUNTS.secondary}`);
    expect(r.out).toMatch(/Other choices \(pass --user\): adm-alice@contoso\.example — your own account/);
    const show = await cli(['profiles', 'show', 'az-prod', '--json']);
    const p = ProfileSchema.parse(JSON.parse(show.out));
    expect(p).toMatchObject({
      host: 'myserver.postgres.database.azure.com',
      port: 5432,
      database: 'postgres',
      username: 'db-admins',
      credential: { kind: 'interactive', account: ACCOUNTS.secondary },
      azure: { resourceId: serverId('myserver') },
    });
    expect(p.cloud).toEqual({ customFile: sim.stateFile });
  });

  it('by resource id, with --user, and through the same validation as profiles add', async () => {
    const r = await cli(['profiles', 'add', 'az-other', '--from-azure', serverId('otherserver'), '--account', ACCOUNTS.secondary, '--allow-non-azure-host']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('Username: adm-alice@contoso.example — you are a Microsoft Entra admin of this server');
    const own = await cli(['profiles', 'add', 'az-other-2', '--from-azure', serverId('otherserver'), '--account', ACCOUNTS.secondary, '--user', ACCOUNTS.adminGroup, '--allow-non-azure-host']);
    expect(own.code, own.err).toBe(0);
    expect(own.out).toContain('Username: db-admins');
    // Without the confirmation the host is outside the sim cloud's postgresDomains: refused as profiles add refuses it.
    const refused = await cli(['profiles', 'add', 'az-no-confirm', '--from-azure', 'myserver', '--account', ACCOUNTS.secondary]);
    expect(refused.code).toBe(64);
    expect(refused.err).toContain('--allow-non-azure-host');
    const hostToo = await cli(['profiles', 'add', 'x', '--from-azure', 'myserver', '--host', 'h.example']);
    expect(hostToo.code).toBe(64);
  });
});

describe.skipIf(!keyring)('pgentra firewall allow-my-ip (simulated ARM)', () => {
  it('alice (Reader) is told clearly that she may not write firewall rules, and nothing changes', async () => {
    const add = await cli(['profiles', 'add', 'alice-locked', '--from-azure', 'lockedserver', '--account', ACCOUNTS.primary, '--allow-non-azure-host']);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain(`Username: ${ACCOUNTS.primary} — your own account`);
    const r = await cli(['firewall', 'allow-my-ip', 'alice-locked', '--ip', '127.0.0.1', '--yes']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Rule:      pgentra-127-0-0-1');
    expect(r.err).toContain(`${ACCOUNTS.primary} may not add the firewall rule pgentra-127-0-0-1 (127.0.0.1) to lockedserver in subscription ${SUBSCRIPTIONS.production}`);
    expect(r.err).toContain('missing permission Microsoft.DBforPostgreSQL/flexibleServers/firewallRules/write');
    expect(sim.arm.control.firewallRules('lockedserver').map((x) => x.name)).toEqual(['office']);
  });

  it('without a terminal and without --yes nothing is changed', async () => {
    await cli(['profiles', 'add', 'adm-locked', '--from-azure', 'lockedserver', '--account', ACCOUNTS.secondary, '--allow-non-azure-host']);
    const r = await cli(['firewall', 'allow-my-ip', 'adm-locked', '--ip', '127.0.0.1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/only after you confirm it.*--yes/);
    expect(sim.arm.control.firewallRules('lockedserver').map((x) => x.name)).toEqual(['office']);
  });

  it('adm-alice (Contributor) adds the rule: PUT, the long-running operation polled to the end', async () => {
    sim.arm.control.resetCounters();
    const r = await cli(['firewall', 'allow-my-ip', 'adm-locked', '--ip', '127.0.0.1', '--yes']);
    expect(r.out).toContain('Added firewall rule pgentra-127-0-0-1 (127.0.0.1 – 127.0.0.1) to lockedserver.');
    expect(sim.arm.control.firewallRules('lockedserver')).toContainEqual({ name: 'pgentra-127-0-0-1', startIpAddress: '127.0.0.1', endIpAddress: '127.0.0.1' });
    expect(sim.arm.control.requestCount('firewallRules:write')).toBe(1);
    expect(sim.arm.control.requestCount('operations')).toBeGreaterThanOrEqual(1);
  });
});
