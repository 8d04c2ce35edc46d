// The public-cloud journeys' harness: the simulated Azure answering as Azure's real host names
// (inside the namespace of test/sim/namespace.ts) and the built `pgentra` CLI run as a user runs
// it — no --cloud, no PGENTRA_CLOUD_FILE, the OS trust store plus NODE_EXTRA_CA_CERTS. With the
// simulator's `corporateProxy` / `tlsInspection` options pgentra gets what a managed workstation
// has: HTTPS_PROXY (no credentials) and, under inspection, the CAs in the OS store only.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { writeBrowserLauncher } from '../sim/browserLauncher.js';
import { startSimulatedAzure, type SimulatedAzure, type SimulatedAzureOptions } from '../sim/index.js';
import { currentNamespace } from '../sim/publicCloud.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'electron/cli/bin.mjs');

/** The namespace, or why these tests cannot run (they must, in CI: test/run-all.mjs enters it). */
export function namespaceOrSkip(): string | undefined {
  if (currentNamespace()) return undefined;
  const why = 'not inside the public-cloud namespace: run `npm run test:public-cloud` (as root)';
  if (process.env.CI) throw new Error(`${why} — CI must run these tests`);
  return why;
}

/** Variables that would point the product somewhere other than the built-in cloud and IMDS, or through another proxy. */
const FOREIGN = [
  'PGENTRA_CLOUD_FILE',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'AZURE_POD_IDENTITY_AUTHORITY_HOST',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IDENTITY_SERVER_THUMBPRINT',
  'BROWSER',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'ALL_PROXY',
  'all_proxy',
  'NO_PROXY',
  'no_proxy',
];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PublicAzure {
  sim: SimulatedAzure;
  home: string;
  dir: string;
  /** The environment a user's shell gives pgentra (plus $BROWSER answering the chooser as `signInAs`). */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** Runs the built CLI; asserts no custom cloud crept into its arguments. */
  pgentra(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<Run>;
  stop(): Promise<void>;
}

export async function startPublicAzure(opts: Omit<SimulatedAzureOptions, 'publicCloud'> & { signInAs?: string } = {}): Promise<PublicAzure> {
  if (!existsSync(path.join(ROOT, 'dist/cli/pgentra.mjs'))) {
    const b = spawnSync(process.execPath, [path.join(ROOT, 'build/build.mjs'), '--no-renderer'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const { signInAs, ...simOpts } = opts;
  const sim = await startSimulatedAzure({ ...simOpts, publicCloud: true });
  const dir = mkdtempSync(path.join(tmpdir(), 'pgentra-public-'));
  const home = path.join(dir, 'home');
  // $BROWSER: the public-cloud tests' browser script (whatever it prints goes to the log the tests show on failure).
  const log = path.join(dir, 'browser.log');
  const browser = writeBrowserLauncher(path.join(dir, 'browser.sh'), { script: path.join(ROOT, 'test/public-cloud/browser.ts'), log });
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env };
    for (const k of FOREIGN) delete e[k];
    // Under TLS inspection the simulator's CAs are in the OS trust store only (a managed workstation).
    if (simOpts.tlsInspection) delete e.NODE_EXTRA_CA_CERTS;
    return {
      ...e,
      PGENTRA_HOME: home,
      BROWSER: browser,
      PGENTRA_TEST_BROWSER_LOG: log,
      ...(sim.proxy ? { HTTPS_PROXY: sim.proxy.url } : {}),
      ...(signInAs ? { PGENTRA_TEST_SIGN_IN_AS: signInAs } : {}),
      ...extra,
    };
  };
  return {
    sim,
    home,
    dir,
    env,
    pgentra(args, o = {}) {
      const cloud = args.indexOf('--cloud');
      if (cloud >= 0 && !['public', 'usgov', 'china'].includes(args[cloud + 1] ?? '')) throw new Error('public-cloud tests use built-in clouds only');
      const childEnv = o.env ?? env();
      if (childEnv.PGENTRA_CLOUD_FILE) throw new Error('public-cloud tests run without a cloud file');
      return run(process.execPath, [BIN, ...args], { cwd: dir, env: childEnv, ...(o.input !== undefined ? { input: o.input } : {}), ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) });
    },
    async stop() {
      await sim.stop();
      if (process.env.PGENTRA_KEYRING_READY === '1') {
        const { deleteKeychainCache } = await import('../../electron/keychain/cachePersistence.js');
        await deleteKeychainCache(home).catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface LocalProxy {
  /** libpq's variables for psql or pgbench through the proxy (no password: the proxy signs in). */
  env: NodeJS.ProcessEnv;
  /** Stops the proxy and waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts the built CLI's local auth proxy for `profile` on 127.0.0.1:`port`, once it says it is ready. */
export async function startLocalProxy(az: PublicAzure, profile: string, opts: { port: number; user: string }): Promise<LocalProxy> {
  const proxy = spawn(process.execPath, [BIN, 'proxy', profile, '--port', String(opts.port)], { env: az.env(), stdio: ['ignore', 'pipe', 'pipe'] });
  const closed = new Promise<void>((r) => proxy.once('close', () => r()));
  const stop = async (): Promise<void> => {
    proxy.kill('SIGTERM');
    await closed;
  };
  let out = '';
  proxy.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proxy.stderr.on('data', (d: Buffer) => (out += d.toString()));
  try {
    await expect.poll(() => out, { timeout: 30_000 }).toContain('ready on 127.0.0.1');
  } catch (e) {
    await stop();
    throw e;
  }
  const env = { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(opts.port), PGUSER: opts.user, PGDATABASE: 'postgres', PGSSLMODE: 'disable' };
  return { env, stop };
}

/**
 * Runs a program to completion without blocking this process: the simulators live in it, so a
 * spawnSync'd client would wait for a server that can no longer answer.
 */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(opts.input ?? '');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The claims of a JWT (no verification: the server does that). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}
