// `npm run sim` with PIM for Groups: the flags (--pim-eligible, --pim-activation-delay,
// --graph-refuses-cli-client) in its help and summary, the state file's graphEndpoint, and the
// running simulator as a separate process: the organisation's app gets a Graph token and sees the
// eligibility, the Azure CLI's client id is refused with AADSTS65002.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseForms } from '../entra/browser.js';
import { httpsText } from '../entra/support.js';
import { ACCOUNTS, AZURE_CLI_CLIENT_ID, SimStateSchema, type SimState } from '../types.js';
import { graphRequest, PIM_BASE } from './test-support.js';

const root = path.resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-simgraph-'));
const stateFile = path.join(dir, 'state.json');
const APP = '9dc2d27b-0177-4af7-a5fe-f8866c83e5ac';
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const sim = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An auth-code sign-in against the running simulator (it auto-approves): the form_post fields, and the redemption. */
async function signIn(state: SimState, clientId: string, scope: string): Promise<{ fields: Record<string, string>; redeem(): Promise<Record<string, unknown>> }> {
  const ca = readFileSync(state.caFile, 'utf8');
  const verifier = randomBytes(32).toString('base64url');
  const redirect = 'http://localhost:5999';
  const q = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirect,
    response_type: 'code',
    response_mode: 'form_post',
    scope: `${scope} openid offline_access`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const page = await httpsText(`${state.authorityHost}/${state.tenantId}/oauth2/v2.0/authorize?${q.toString()}`, ca);
  const fields = parseForms(page.body)[0]?.fields ?? {};
  return {
    fields,
    async redeem() {
      const form = { client_id: clientId, grant_type: 'authorization_code', code: fields.code ?? '', code_verifier: verifier, redirect_uri: redirect, scope: `${scope} openid offline_access` };
      const r = await httpsText(`${state.authorityHost}/${state.tenantId}/oauth2/v2.0/token`, ca, { form });
      return JSON.parse(r.body) as Record<string, unknown>;
    },
  };
}

describe('npm run sim with PIM for Groups', () => {
  it('documents the flags and refuses bad ones', () => {
    const help = sim('--help');
    expect(help.status).toBe(0);
    for (const flag of ['--pim-eligible UPN:GROUP', '--pim-activation-delay SECONDS', '--graph-refuses-cli-client', 'graph.microsoft.com']) expect(help.stdout).toContain(flag);
    const cases: [string[], string][] = [
      [['--pim-eligible', 'adm-alice@contoso.example'], '--pim-eligible must be UPN:GROUP'],
      [['--pim-eligible', 'zed@contoso.example:db-admins'], '--pim-eligible: no user zed@contoso.example in the directory'],
      [['--pim-eligible', 'adm-alice@contoso.example:db-owners'], '--pim-eligible: no group db-owners in the directory (db-admins, db-readers)'],
      [['--pim-activation-delay', 'soon'], '--pim-activation-delay must be a number of seconds ≥ 0'],
    ];
    for (const [args, message] of cases) {
      const r = sim('--no-server', ...args);
      expect(r.status, r.stderr).toBe(64);
      expect(r.stderr).toContain(message);
    }
  });

  it("writes graphEndpoint, says what it simulates, serves the eligibility to the organisation's app and refuses the CLI's id", async () => {
    const args = [
      '--no-server',
      '--state',
      stateFile,
      '--auto-approve',
      ACCOUNTS.secondary,
      '--pim-eligible',
      `${ACCOUNTS.secondary}:${ACCOUNTS.adminGroup}`,
      '--pim-activation-delay',
      '0.5',
      '--graph-refuses-cli-client',
    ];
    child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => existsSync(stateFile) && output.includes('Press Ctrl+C'), 60_000);
    const state = SimStateSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8')));
    expect(state.graphEndpoint).toMatch(/^https:\/\/localhost:\d+$/);
    expect(state.graphEndpoint).not.toBe(state.managementEndpoint);
    expect(output).toContain(`Microsoft Graph (PIM for Groups): ${state.graphEndpoint}`);
    expect(output).toContain(`PIM: ${ACCOUNTS.secondary} is eligible for ${ACCOUNTS.adminGroup}, not a member (activations reach tokens after 0.5 s)`);
    expect(output).toContain("Entra refuses the Azure CLI's client id PIM's Graph permissions (AADSTS65002)");

    const scope = `${state.graphEndpoint}/PrivilegedEligibilitySchedule.Read.AzureADGroup`;
    const cli = await signIn(state, AZURE_CLI_CLIENT_ID, scope);
    expect(cli.fields.error).toBe('invalid_request');
    expect(cli.fields.error_description).toMatch(/^AADSTS65002: /);
    const app = await (await signIn(state, APP, scope)).redeem();
    const list = await graphRequest(
      { endpoint: state.graphEndpoint, caFile: state.caFile },
      `${PIM_BASE}/eligibilityScheduleInstances?$filter=principalId eq '${state.accounts.find((a) => a.upn === ACCOUNTS.secondary)?.objectId ?? ''}'&$expand=group`,
      { token: String(app.access_token) },
    );
    expect(list.status, list.text).toBe(200);
    expect((list.body as { value: { group: { displayName: string } }[] }).value.map((v) => v.group.displayName)).toEqual([ACCOUNTS.adminGroup]);

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child?.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(existsSync(stateFile)).toBe(false);
  });
});
