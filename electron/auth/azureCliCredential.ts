// Tokens from the Azure CLI's own sign-in: `az account get-access-token --resource …`. Spawned
// with an argument array; on Windows az is a batch file (az.cmd) that only cmd.exe can run, so
// there the cmd line is built here with every argument escaped for cmd (never `shell: true`),
// and tenant and resource are validated first so a custom cloud file cannot inject commands.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { PgEntraError } from '../../shared/errors.js';
import { quoteCmdArg, quoteCmdProgram } from '../../shared/shellQuote.js';
import { redact } from '../log/redact.js';
import type { AccessToken } from './tokenProvider.js';

const AzOutput = z.object({
  accessToken: z.string().min(1),
  expires_on: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  expiresOn: z.string().optional(),
  tenant: z.string().optional(),
  subscription: z.string().optional(),
});

export interface AzureCliOptions {
  resource: string;
  tenant?: string;
  /** Executable name or path; default `az` (`az.cmd` on Windows). */
  command?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Injectable for tests of the Windows command line. */
  platform?: NodeJS.Platform;
}

const TENANT = /^[A-Za-z0-9.-]+$/;
/** An audience URL: scheme, host and optional port only. The cloud file's schema accepts any URL (&|^ included). */
const RESOURCE = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/;

export function assertSafeAzArgs(resource: string, tenant: string | undefined): void {
  if (!RESOURCE.test(resource)) {
    throw new PgEntraError('cloud_file_invalid', `The cloud's resource "${resource}" is not a plain https://host[:port] URL, so it is not passed to the Azure CLI.`, {
      hint: 'Fix "resource" in the custom cloud file, e.g. https://ossrdbms-aad.database.windows.net',
    });
  }
  if (tenant !== undefined && !TENANT.test(tenant)) throw new PgEntraError('invalid_input', `"${tenant}" is not a tenant id or domain.`);
}

export interface SpawnPlan {
  file: string;
  args: string[];
  windowsVerbatimArguments: boolean;
}

/** What to spawn for `cmd args…`: the program itself, or on Windows `cmd.exe /d /s /c "<escaped line>"`. */
export function azSpawnPlan(cmd: string, args: readonly string[], platform: NodeJS.Platform, env: NodeJS.ProcessEnv = process.env): SpawnPlan {
  if (platform !== 'win32') return { file: cmd, args: [...args], windowsVerbatimArguments: false };
  // az.cmd re-parses its arguments through %*: escape them twice (not for a real .exe stand-in).
  const batch = !/\.exe$/i.test(cmd);
  const line = [quoteCmdProgram(cmd), ...args.map((a) => quoteCmdArg(a, { batch }))].join(' ');
  // /d: no AutoRun; /s /c "…": cmd strips exactly the outer quotes. Verbatim: Node must not re-quote.
  return { file: env.ComSpec ?? 'cmd.exe', args: ['/d', '/s', '/c', `"${line}"`], windowsVerbatimArguments: true };
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], opts: AzureCliOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const env = opts.env ?? process.env;
    const plan = azSpawnPlan(cmd, args, opts.platform ?? process.platform, env);
    const child = spawn(plan.file, plan.args, {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
      windowsVerbatimArguments: plan.windowsVerbatimArguments,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill(), opts.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function getAzureCliToken(opts: AzureCliOptions): Promise<AccessToken> {
  const cmd = opts.command ?? ((opts.platform ?? process.platform) === 'win32' ? 'az.cmd' : 'az');
  assertSafeAzArgs(opts.resource, opts.tenant);
  const args = ['account', 'get-access-token', '--resource', opts.resource, ...(opts.tenant ? ['--tenant', opts.tenant] : []), '--output', 'json'];
  let r: RunResult;
  try {
    r = await run(cmd, args, opts);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PgEntraError('azure_cli_missing', 'The Azure CLI (az) was not found on PATH.', {
        hint: 'Install the Azure CLI (https://aka.ms/azure-cli) and run `az login`, or use another credential kind.',
        cause: e,
      });
    }
    if (code === 'ABORT_ERR') throw new PgEntraError('sign_in_cancelled', 'The Azure CLI token request was cancelled.', { cause: e });
    throw new PgEntraError('azure_cli_failed', `The Azure CLI could not be started: ${(e as Error).message}`, { cause: e });
  }
  const err = redact(r.stderr.trim());
  if (r.code !== 0) {
    // Through cmd.exe a missing az is not ENOENT but this message.
    if (/is not recognized as an internal or external command/i.test(err)) {
      throw new PgEntraError('azure_cli_missing', 'The Azure CLI (az) was not found on PATH.', {
        hint: 'Install the Azure CLI (https://aka.ms/azure-cli) and run `az login`, or use another credential kind.',
      });
    }
    if (/az login|not logged in|no subscription found|AADSTS70043|AADSTS700082|interaction_required|refresh token has expired/i.test(err)) {
      throw new PgEntraError('azure_cli_not_logged_in', `The Azure CLI is not signed in${opts.tenant ? ` to tenant ${opts.tenant}` : ''}.`, {
        hint: `Run: az login${opts.tenant ? ` --tenant ${opts.tenant}` : ''}`,
        details: { exitCode: r.code ?? -1 },
      });
    }
    const firstLine = err.split('\n').find((l) => l.trim()) ?? `exit code ${String(r.code)}`;
    throw new PgEntraError('azure_cli_failed', `az account get-access-token failed: ${firstLine.slice(0, 300)}`, { details: { exitCode: r.code ?? -1 } });
  }
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new PgEntraError('azure_cli_failed', 'The Azure CLI printed something that is not JSON.');
  }
  const parsed = AzOutput.safeParse(json);
  if (!parsed.success) throw new PgEntraError('azure_cli_failed', 'The Azure CLI output has no accessToken.');
  const o = parsed.data;
  let expiresOn: Date;
  if (o.expires_on !== undefined) expiresOn = new Date(Number(o.expires_on) * 1000);
  else if (o.expiresOn)
    expiresOn = new Date(o.expiresOn.replace(' ', 'T')); // local time: older CLIs only
  else throw new PgEntraError('azure_cli_failed', 'The Azure CLI output has no expiry (expires_on / expiresOn).');
  if (Number.isNaN(expiresOn.getTime())) throw new PgEntraError('azure_cli_failed', 'The Azure CLI output has an unreadable expiry.');
  return { token: o.accessToken, expiresOn, ...(o.tenant ? { tenantId: o.tenant } : {}) };
}
