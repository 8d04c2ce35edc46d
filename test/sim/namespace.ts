// A private network + mount + PID namespace in which Azure's real host names point at the
// simulators on loopback addresses, so the product runs with its built-in `public` cloud:
//
//   node --import tsx test/sim/namespace.ts -- COMMAND [ARGS…]
//
// Outside (as root): makes a scratch dir with a fresh CA, a hosts file and a copy of the OS trust
// store, then runs itself under `unshare --net --mount --pid --fork --kill-child --mount-proc`.
// Inside (PID 1 of the new PID namespace): brings up `lo`, adds IMDS's 169.254.169.254 to it,
// bind-mounts the hosts file over /etc/hosts and the trust store copy over
// /etc/ssl/certs/ca-certificates.crt (each simulator start rewrites both for its network mode:
// publicCloud.ts), and runs COMMAND with NODE_EXTRA_CA_CERTS naming the CA — the way an enterprise
// adds a CA (in the TLS-inspection mode the simulator's CAs are in the OS store instead, and
// `npm run sim` drops NODE_EXTRA_CA_CERTS for its command). When COMMAND exits the namespace's
// init exits and the kernel kills whatever is left inside; if the outside process dies, the
// inside is killed too (--kill-child). Nothing of it touches the machine's own network or /etc.
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCertificateAuthority } from './ca.js';
import { DEFAULT_NETWORK, IMDS_ADDRESS, NAMESPACE_ENV, OS_TRUST_STORE, namespaceFiles, setNamespaceNetwork } from './publicCloud.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(SELF), '../..');
const UNSHARE_ARGS = ['--net', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc'];

/** Why this machine cannot make the namespace (undefined: it can). Needs root or CAP_SYS_ADMIN. */
export function namespaceUnavailable(): string | undefined {
  const r = spawnSync('unshare', [...UNSHARE_ARGS, 'ip', 'link', 'set', 'lo', 'up'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) return `unshare could not run (${r.error.message}); install util-linux and iproute2`;
  if (r.status !== 0) return `unshare --net --mount --pid failed (${(r.stderr || `exit ${r.status}`).trim()}); it needs root or CAP_SYS_ADMIN`;
  return undefined;
}

export interface AzureNamespace {
  child: ChildProcess;
  /** Scratch dir shared with the inside (CA, hosts file); removed when the child exits. */
  dir: string;
  caFile: string;
  exited: Promise<number>;
}

/** Runs `command` inside a fresh namespace (see the file comment). */
export async function runInAzureNamespace(command: string[], opts: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions; cwd?: string } = {}): Promise<AzureNamespace> {
  if (command.length === 0) throw new Error('no command to run in the namespace');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgentra-azure-ns-'));
  // The simulated server's PostgreSQL runs as `postgres` under a work dir placed in here.
  chmodSync(dir, 0o755);
  const ca = await createCertificateAuthority();
  const files = namespaceFiles(dir);
  const caFile = files.caFile;
  writeFileSync(caFile, ca.caCertPem, { mode: 0o644 });
  writeFileSync(path.join(dir, 'ca-key.pem'), ca.caKeyPem, { mode: 0o600 });
  // The machine's /etc/hosts and trust store as they are now: each simulator start writes its
  // network mode's versions from these, and its stop the default's.
  copyFileSync('/etc/hosts', files.machineHostsFile);
  chmodSync(files.machineHostsFile, 0o644);
  if (existsSync(OS_TRUST_STORE)) {
    copyFileSync(OS_TRUST_STORE, files.machineTrustStoreFile);
    chmodSync(files.machineTrustStoreFile, 0o644);
    writeFileSync(files.trustStoreFile, '', { mode: 0o644 });
  }
  writeFileSync(files.hostsFile, '', { mode: 0o644 });
  setNamespaceNetwork(files, DEFAULT_NETWORK);
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env), NODE_EXTRA_CA_CERTS: caFile, [NAMESPACE_ENV]: dir };
  const stdio = opts.stdio ?? 'inherit';
  const three = typeof stdio === 'string' ? [stdio, stdio, stdio] : stdio.slice(0, 3);
  const child = spawn('unshare', [...UNSHARE_ARGS, process.execPath, '--import', 'tsx', SELF, '--inside', '--', ...command], {
    cwd: opts.cwd ?? ROOT,
    env,
    // fd 3: a pipe the inside watches; it reads EOF when this process is gone, even after SIGKILL.
    stdio: [...three, 'pipe'],
    // Own process group: a signal for the whole namespace reaches the inside's init too.
    detached: true,
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  }).then((code) => {
    rmSync(dir, { recursive: true, force: true });
    return code;
  });
  return { child, dir, caFile, exited };
}

/** Inside: set up the network and /etc/hosts, then run the command as the namespace's only child. */
function inside(command: string[]): void {
  const dir = process.env[NAMESPACE_ENV];
  if (!dir) throw new Error(`${NAMESPACE_ENV} is not set: run through runInAzureNamespace`);
  const sh = (cmd: string, ...args: string[]): void => {
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`namespace setup failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.error?.message})`);
  };
  sh('ip', 'link', 'set', 'lo', 'up');
  sh('ip', 'addr', 'add', `${IMDS_ADDRESS}/32`, 'dev', 'lo');
  const files = namespaceFiles(dir);
  sh('mount', '--bind', files.hostsFile, '/etc/hosts');
  // Always a writable copy of the OS trust store, so each simulator start can set its mode.
  if (existsSync(files.trustStoreFile)) sh('mount', '--bind', files.trustStoreFile, OS_TRUST_STORE);
  // The outside removes the scratch dir too, unless it was killed first.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const [cmd, ...args] = command;
  if (!cmd) throw new Error('no command');
  const child = spawn(cmd, args, { stdio: 'inherit' });
  // PID 1 gets no default signal actions: forward what a terminal or a test runner sends.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => child.kill(sig));
  // The outside process gone (its end of fd 3 closed): stop the command, then end the namespace
  // (the kernel kills what is left when its init exits). No kill -0 polling: a dead parent that
  // nobody reaps still answers it.
  // A socket, not fs.createReadStream: a blocking read in the thread pool would keep
  // process.exit from ever returning.
  const parentPipe = new Socket({ fd: 3, readable: true, writable: false });
  parentPipe.on('data', () => undefined);
  parentPipe.on('error', () => undefined);
  parentPipe.unref();
  parentPipe.once('close', () => {
    child.kill('SIGTERM');
    setTimeout(() => process.exit(137), 5_000).unref();
  });
  child.once('error', (e) => {
    process.stderr.write(`namespace: cannot run ${cmd}: ${e.message}\n`);
    process.exit(127);
  });
  child.once('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const argv = process.argv.slice(2);
  const sep = argv.indexOf('--');
  const command = sep >= 0 ? argv.slice(sep + 1) : argv.filter((a) => a !== '--inside');
  if (argv[0] === '--inside') {
    inside(command);
  } else {
    const why = namespaceUnavailable();
    if (why) {
      process.stderr.write(`namespace: cannot create the public-cloud namespace: ${why}\n`);
      process.exit(69);
    }
    const ns = await runInAzureNamespace(command);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(sig, () => {
        // The inside's init is in unshare's process group; it forwards to the command.
        if (ns.child.pid) process.kill(-ns.child.pid, sig);
      });
    }
    process.exit(await ns.exited);
  }
}
