// Helpers for the real-Electron checks (smoke.mjs, cliTiming.mjs): which pgEntra executable to
// test, and a simulated Azure (in this process, no PostgreSQL) with an account signed in and a
// saved profile — all done through the app's own CLI mode, so the keychain entry is the app's.
//   PGENTRA_APP_PATH=<packaged executable>   release/linux-unpacked/pgentra-app,
//                                            release/mac*/pgEntra.app/Contents/MacOS/pgEntra,
//                                            release/win-unpacked/pgEntra.exe
//   otherwise the development Electron binary (node_modules/electron) with this checkout.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateElectronBinary } from '../../build/start.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SIGN_IN_AS = 'adm-alice@contoso.example';

/**
 * The app to test: { kind: 'packaged', exe, cli } for PGENTRA_APP_PATH, { kind: 'dev', exe, appArgs, cli }
 * for the development Electron binary, { kind: 'node', cli } with PGENTRA_TEST_NODE_CLI=1 (the
 * source checkout's Node CLI: exercises these scripts without Electron), or { reason }.
 */
export function locateApp(env = process.env) {
  if (env.PGENTRA_APP_PATH) {
    const exe = path.resolve(env.PGENTRA_APP_PATH);
    if (!existsSync(exe)) return { reason: `PGENTRA_APP_PATH is set but ${exe} does not exist` };
    // The AppImage's sandbox helper cannot be setuid; the launcher there passes --no-sandbox too.
    const extra = /\.AppImage$/i.test(exe) ? ['--no-sandbox'] : [];
    return { kind: 'packaged', exe, appArgs: extra, cli: [exe, ...extra, '--pgentra-cli'] };
  }
  if (env.PGENTRA_TEST_NODE_CLI === '1') return { kind: 'node', cli: [process.execPath, path.join(root, 'electron/cli/bin.mjs')] };
  const electron = locateElectronBinary(env);
  if (!electron.path) return { reason: `Electron binary not available (${electron.reason})` };
  if (!existsSync(path.join(root, 'dist/electron/main.cjs'))) return { reason: 'Electron binary not available (dist/electron/main.cjs is not built: run npm run build)' };
  return { kind: 'dev', exe: electron.path, appArgs: [root], cli: [electron.path, root, '--pgentra-cli'] };
}

/** Runs argv (async: the simulator answers from this process) and collects its output. */
export function run(argv, { env, input, onStderr, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      onStderr?.(stderr);
    });
    if (input !== undefined) child.stdin.end(input);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    });
  });
}

/**
 * Starts the simulated Azure (Entra only), signs SIGN_IN_AS in with the app's CLI (device code,
 * approved through the simulator's control API) and saves profile `name` for the group
 * db-admins. Returns { cli(args), env, home, sim, stop() }.
 */
export async function startSignedInApp(cliArgv, { name = 'sim' } = {}) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport('reflect-metadata', import.meta.url);
  const { startSimulatedAzure } = await tsImport('../sim/index.ts', import.meta.url);
  const sim = await startSimulatedAzure({ withServer: false });
  const home = mkdtempSync(path.join(tmpdir(), 'pgentra-electron-'));
  const env = { ...process.env, PGENTRA_HOME: home };
  for (const k of ['PGENTRA_CLOUD_FILE', 'ELECTRON_RUN_AS_NODE', 'BROWSER']) delete env[k];
  const cli = (args, opts = {}) => run([...cliArgv, ...args], { env, ...opts });
  const stop = async () => {
    await cli(['logout', '--all', '--cloud', sim.stateFile]).catch(() => undefined);
    await sim.stop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    let approved = false;
    const login = await cli(['login', '--device-code', '--cloud', sim.stateFile], {
      onStderr: (text) => {
        const code = /Code: (\S+)/.exec(text)?.[1];
        if (code && !approved) {
          approved = true;
          sim.entra.control.approveDeviceCode(code, SIGN_IN_AS);
        }
      },
    });
    if (login.code !== 0) throw new Error(`login failed (${login.code}): ${login.stderr}`);
    const port = String(sim.state.server.port || 5432);
    const add = await cli([
      'profiles',
      'add',
      name,
      '--host',
      sim.state.server.host,
      '--port',
      port,
      '--user',
      'db-admins',
      '--account',
      SIGN_IN_AS,
      '--cloud',
      sim.stateFile,
      '--trust-cloud',
      '--allow-non-azure-host',
    ]);
    if (add.code !== 0) throw new Error(`profiles add failed (${add.code}): ${add.stderr}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { cli, env, home, sim, stop };
}
